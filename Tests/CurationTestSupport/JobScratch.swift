import Curation
import CurationProviders
import CurationStore
import Foundation
import GRDB
import Synchronization

/// A temporary directory with a store; removed at the end of the test.
package final class JobScratch: TemporaryDirectory {
    /// The path of the scratch database.
    package var databasePath: String { url.appendingPathComponent("curate.sqlite").path }

    /// Opens (creating it the first time) the scratch database; every call opens a new
    /// connection, as a new process would.
    package func store() throws -> CurationStore { try CurationStore(path: databasePath) }

    /// A backfill with the default configuration and the local curator.
    package static func backfill(_ store: CurationStore, config: CurateConfig = CurateConfig()) -> Backfill {
        Backfill(store: store, config: config, provider: LocalCurator(store: store, config: config))
    }

    /// A daemon tick with the default configuration and the local curator.
    package static func tick(_ store: CurationStore, maxProspects: Int = 20) -> DaemonTick {
        var config = CurateConfig()
        config.maxProspectsPerTick = maxProspects
        return DaemonTick(store: store, config: config, provider: LocalCurator(store: store, config: config))
    }

    /// One JSON line of a prospect.
    package static func prospect(_ id: String, anchor: String, ts: String = "2026-01-10T12:00:00Z", label: String? = nil,
                         type: String? = "lib", confidence: Double = 0.8, vector: [Float]) -> String {
        var fields: [String: Any] = ["prospect_id": id, "anchor_key": anchor, "ts": ts, "label": label ?? "label \(id)",
                                     "summary": "summary of \(id)", "confidence": confidence,
                                     "embedding": vector.map { Double($0) }]
        if let type { fields["prospect_type"] = type }
        return line(fields)
    }

    /// One JSON line of a committed item.
    package static func committed(_ id: String, type: String = "known", vector: [Float]) -> String {
        line(["item_id": id, "item_type": type, "label": "item \(id)", "summary": "known \(id)",
              "embedding": vector.map { Double($0) }])
    }

    /// Two clear clusters: a1–a3 (session sa, 2026-01-10) and b1–b2 (session sb, 2026-01-11).
    package static func twoClusterProspects() -> [String] {
        [prospect("a1", anchor: "sa", ts: "2026-01-10T08:00:00Z", confidence: 0.9, vector: [1, 0, 0]),
         prospect("a2", anchor: "sa", ts: "2026-01-10T09:00:00Z", confidence: 0.7, vector: [0.99, 0.05, 0]),
         prospect("a3", anchor: "sa", ts: "2026-01-10T10:00:00Z", confidence: 0.2, vector: [0.9, 0.3, 0]),
         prospect("b1", anchor: "sb", ts: "2026-01-11T08:00:00Z", confidence: 0.6, vector: [0, 1, 0]),
         prospect("b2", anchor: "sb", ts: "2026-01-11T09:00:00Z", confidence: 0.6, vector: [0.1, 0.99, 0])]
    }

    package static func importProspects(_ store: CurationStore, _ lines: [String], vectors: VectorSource = .automatic(nil)) async throws {
        try await ProspectImporter(store: store)
            .importData(Data((lines.joined(separator: "\n") + "\n").utf8), path: "prospects.jsonl", vectors: vectors)
    }

    package static func importCommitted(_ store: CurationStore, _ lines: [String]) async throws {
        try await CommittedImporter(store: store)
            .importData(Data((lines.joined(separator: "\n") + "\n").utf8), path: "committed.jsonl", vectors: .automatic(nil))
    }

    /// One resolution row.
    package struct Resolution: Equatable {
        package var decision: String
        /// The key of `committed_ids` (`[key]`), nil when it is NULL.
        package var itemKey: String?
        package var note: String?
        package var jobID: String?

        package init(decision: String, itemKey: String? = nil, note: String? = nil, jobID: String? = nil) {
            self.decision = decision
            self.itemKey = itemKey
            self.note = note
            self.jobID = jobID
        }
    }

    /// Every resolution by prospect id.
    package static func resolutions(_ store: CurationStore) throws -> [String: Resolution] {
        try store.read { db in
            var out: [String: Resolution] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT prospect_id, decision, committed_ids ->> '$[0]', note, job_id FROM resolutions
                """) {
                out[row[0]] = Resolution(decision: row[1], itemKey: row[2], note: row[3], jobID: row[4])
            }
            return out
        }
    }

    /// The number of `local_batches` rows of a job.
    package static func localBatchCount(_ store: CurationStore, nonce: String) throws -> Int {
        try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM local_batches WHERE job_nonce = ?", arguments: [nonce]) ?? 0 }
    }

    /// Runs async `body` to completion from a synchronous test.
    package static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }
}

/// Carries a task's result to the waiting thread.
package final class ResultBox<T>: @unchecked Sendable {
    package var result: Result<T, any Error>?
}

/// A provider that counts submissions and forwards everything to a local curator; with
/// `hasBatchAPI` false it stands for a provider without batches (the synchronous regime).
package final class CountingProvider: LocalForwardingProvider {
    package let inner: LocalCurator
    package let hasBatchAPI: Bool
    private let submits = Mutex(0)

    package init(_ inner: LocalCurator, hasBatchAPI: Bool = true) {
        self.inner = inner
        self.hasBatchAPI = hasBatchAPI
    }

    package var submitted: Int { submits.withLock { $0 } }

    package func submit(requests: [CuratorRequest], jobNonce: String) async throws(CuratorProviderError) -> String {
        submits.withLock { $0 += 1 }
        return try await inner.submit(requests: requests, jobNonce: jobNonce)
    }
}

/// A test provider that hands everything but `submit` to a local curator, `inner`.
package protocol LocalForwardingProvider: CuratorProvider {
    var inner: LocalCurator { get }
}

extension LocalForwardingProvider {
    package var name: String { inner.name }
    package var limits: CuratorBatchLimits { inner.limits }
    package var pollInterval: Duration { inner.pollInterval }

    package func status(batchID: String) async throws(CuratorProviderError) -> CuratorBatchStatus {
        try await inner.status(batchID: batchID)
    }

    package func results(batchID: String, expecting customIDs: Set<String>) async throws(CuratorProviderError) -> [String: CuratorOutcome] {
        try await inner.results(batchID: batchID, expecting: customIDs)
    }

    package func findBatches(jobNonce: String, claimedAt: UTCTimestamp) async throws(CuratorProviderError) -> [CuratorSubmittedBatch]? {
        try await inner.findBatches(jobNonce: jobNonce, claimedAt: claimedAt)
    }
}
