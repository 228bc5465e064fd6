import CurationProviders
import CurationStore
import Foundation

/// Why a job could not be claimed, submitted, resumed or collected.
public enum JobError: Error, Sendable, CustomStringConvertible {
    /// The slot holds a job of another driver: a backfill found a daemon job (or a job stored
    /// without owner, which reads as daemon). Wait for the daemon to collect it.
    case slotHeldByOtherOwner(StoredJob)
    /// The slot was claimed by another process between reading it and claiming it.
    case slotTaken(StoredJob)
    /// The job row disappeared or changed while this driver worked on it (another process
    /// collected it).
    case jobVanished(nonce: String)
    /// No provider of this name in this build.
    case providerUnavailable(String)
    /// A provider that cannot be built as configured (missing API key, bad base URL, …).
    case providerMisconfigured(provider: String, reason: String)
    /// The provider failed.
    case provider(CuratorProviderError)
    /// A job row that cannot be read (bad plan or batch ids JSON, unknown owner or state).
    case corruptJob(nonce: String, reason: String)
    /// Planning failed.
    case planning(PlanError)
    /// The store failed (`reason` is SQLite's message or the store error).
    case store(String)
    /// The driver stopped before finishing the job: its task was cancelled, or a test hook
    /// simulated a crash. The job stays in the slot and is resumed by the next run.
    case interrupted(String)

    public var description: String {
        switch self {
        case let .slotHeldByOtherOwner(job):
            "the job slot is held by a \(job.owner.rawValue) job (\(job.identification)); "
                + "a backfill does not take over a daemon's job: let `curate tick` or `curate daemon` collect it, then retry"
        case let .slotTaken(job):
            "the job slot was claimed by another process meanwhile (\(job.identification))"
        case let .jobVanished(nonce): "job \(nonce) was collected or replaced by another process"
        case let .providerUnavailable(name):
            "curator provider \(name.debugDescription) is not available in this build (available: \(CuratorProviders.available.joined(separator: ", ")))"
        case let .providerMisconfigured(provider, reason): "curator provider \(provider.debugDescription): \(reason)"
        case let .provider(error): error.description
        case let .corruptJob(nonce, reason): "the stored job \(nonce) cannot be read: \(reason)"
        case let .planning(error): "planning failed: \(error)"
        case let .store(reason): "store failure: \(reason)"
        case let .interrupted(reason): "interrupted \(reason); the job stays in the slot and the next run resumes it"
        }
    }

    /// The job error of a job slot error (same case, same description).
    init(_ error: JobSlotError) {
        switch error {
        case let .slotTaken(job): self = .slotTaken(job)
        case let .jobVanished(nonce): self = .jobVanished(nonce: nonce)
        case let .corruptJob(nonce, reason): self = .corruptJob(nonce: nonce, reason: reason)
        case let .store(reason): self = .store(reason)
        }
    }

    /// `body`'s result, its job slot error thrown as a job error.
    static func fromSlot<T>(_ body: () throws(JobSlotError) -> T) throws(JobError) -> T {
        do {
            return try body()
        } catch {
            throw JobError(error)
        }
    }

    /// Wraps any store-side failure.
    static func wrap(_ error: any Error) -> JobError {
        if let error = error as? JobError { return error }
        if let error = error as? JobSlotError { return JobError(error) }
        if let error = error as? CuratorProviderError { return .provider(error) }
        return .store("\(error)")
    }
}
