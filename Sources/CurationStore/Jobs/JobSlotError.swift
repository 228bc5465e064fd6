/// Why the job slot refused a read or a change.
public enum JobSlotError: Error, Sendable, CustomStringConvertible {
    /// The slot was claimed by another process between reading it and claiming it.
    case slotTaken(StoredJob)
    /// The job row disappeared or changed while this driver worked on it (another process
    /// collected it).
    case jobVanished(nonce: String)
    /// A job row that cannot be read (bad plan or batch ids JSON, unknown owner or state).
    case corruptJob(nonce: String, reason: String)
    /// The store failed (`reason` is SQLite's message or the store error).
    case store(String)

    public var description: String {
        switch self {
        case let .slotTaken(job): "the job slot was claimed by another process meanwhile (\(job.identification))"
        case let .jobVanished(nonce): "job \(nonce) was collected or replaced by another process"
        case let .corruptJob(nonce, reason): "the stored job \(nonce) cannot be read: \(reason)"
        case let .store(reason): "store failure: \(reason)"
        }
    }

    /// Wraps any store-side failure.
    static func wrap(_ error: any Error) -> JobSlotError {
        error as? JobSlotError ?? .store("\(error)")
    }
}
