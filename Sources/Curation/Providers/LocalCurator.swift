import Foundation
import GRDB
import Kernels

/// The embedded, offline curator: deterministic rules behind the same batch interface as a
/// remote provider, with its batches stored in the `local_batches` table of the store.
///
/// Rules, per cluster (request), over its prospects as stored (first occurrence of each id):
/// 1. The **leader** is the most confident prospect (ties: the lower index). When its confidence
///    is below `confidenceFloor`, every prospect of the cluster is rejected.
/// 2. Otherwise the leader commits under `ItemKey.derive(type:label:fallback:)`
///    (`<prospect_type or "item">:<slug of label>`), with its own type, label and summary.
/// 3. Every other prospect whose reference cosine with the leader is at least `mergeThreshold`
///    merges into the leader's key (`merge_into` and `item_type` set).
/// 4. Every other prospect with confidence below `confidenceFloor` is rejected.
/// 5. The rest commit under their own derived keys.
///
/// A prospect without a vector is never similar enough to merge (cosine 0); one without
/// confidence counts as `LocalProspect.unknownConfidence`. Decisions come out as a
/// `curate_decisions` tool input (`{"decisions": [...]}`, entries in the tool's schema), exactly
/// as a remote curator's would, and go through the same parser and router, which writes the same
/// committed rows and resolutions.
///
/// Batches: `submit` stores the requests (state `in_progress`, no results). The first `status`
/// or `results` call after that computes every result, stores them and marks the batch `ended`,
/// in one transaction. So a process killed between submit and collect finds its batch, and its
/// results, in the database when it resumes; nothing is computed twice.
public struct LocalCurator: CuratorProvider {
    /// The provider name stored with jobs: `"local"`.
    public static let providerName = "local"

    /// The store holding the prospects and the `local_batches` table.
    public let store: CurationStore
    /// Members at least this similar to the leader merge into it (`local_merge_threshold`).
    public var mergeThreshold: Double
    /// Members below this confidence are rejected (`local_confidence_floor`).
    public var confidenceFloor: Double
    /// Batch limits (as a remote provider's, so jobs split the same way).
    public var limits: CuratorBatchLimits

    /// `"local"`.
    public var name: String { Self.providerName }
    /// 10 ms: a local batch ends at its first poll.
    public var pollInterval: Duration { .milliseconds(10) }

    /// A local curator over `store`.
    /// - Parameters:
    ///   - mergeThreshold: default 0.9.
    ///   - confidenceFloor: default 0.4.
    ///   - limits: batch limits (default: those of Message Batches, so jobs split the same way).
    public init(store: CurationStore, mergeThreshold: Double = 0.9, confidenceFloor: Double = 0.4,
                limits: CuratorBatchLimits = .messageBatches) {
        self.store = store
        self.mergeThreshold = mergeThreshold
        self.confidenceFloor = confidenceFloor
        self.limits = limits
    }

    /// A local curator with the thresholds of `config`.
    public init(store: CurationStore, config: CurateConfig) {
        self.init(store: store, mergeThreshold: config.localMergeThreshold, confidenceFloor: config.localConfidenceFloor,
                  limits: config.batchLimits)
    }

    public func submit(requests: [CuratorRequest], jobNonce: String) async throws(CuratorProviderError) -> String {
        guard requests.count <= limits.maxRequests else {
            throw .invalidRequest("\(requests.count) requests exceed the batch limit of \(limits.maxRequests)")
        }
        var seen = Set<String>()
        for request in requests {
            guard CuratorRequest.isValidCustomID(request.customID) else {
                throw .invalidRequest("custom_id \(request.customID.debugDescription) does not match ^[a-zA-Z0-9_-]{1,64}$")
            }
            guard request.customID.contains(jobNonce) else {
                throw .invalidRequest("custom_id \(request.customID.debugDescription) does not carry the job nonce")
            }
            guard seen.insert(request.customID).inserted else {
                throw .invalidRequest("duplicate custom_id \(request.customID.debugDescription)")
            }
        }
        let batchID = "localbatch_" + Self.randomHex(12)
        let text = try StoredBatchJSON.encode(requests)
        try access {
            try store.write { db in
                try db.execute(sql: """
                    INSERT INTO local_batches (batch_id, job_nonce, created_at, requests, results, state)
                    VALUES (?, ?, ?, ?, NULL, ?)
                    """, arguments: [batchID, jobNonce, UTCTimestamp.now().text, text, CuratorBatchStatus.inProgress.rawValue])
            }
        }
        return batchID
    }

    public func status(batchID: String) async throws(CuratorProviderError) -> CuratorBatchStatus {
        _ = try resultsComputingIfNeeded(batchID)
        return .ended
    }

    /// The stored results of the batch, those of `customIDs` only.
    public func results(batchID: String, expecting customIDs: Set<String>) async throws(CuratorProviderError) -> [String: CuratorOutcome] {
        try resultsComputingIfNeeded(batchID).filter { customIDs.contains($0.key) }
    }

    public func findBatches(jobNonce: String, claimedAt: UTCTimestamp) async throws(CuratorProviderError) -> [CuratorSubmittedBatch]? {
        let rows = try access {
            try store.read { db in
                try Row.fetchAll(db, sql: "SELECT batch_id, requests FROM local_batches WHERE job_nonce = ? ORDER BY created_at, batch_id",
                                 arguments: [jobNonce])
            }
        }
        return try rows.map { row throws(CuratorProviderError) in
            let requests = try StoredBatchJSON.decode(row["requests"], what: "requests", batchID: row["batch_id"]) as [RequestHeader]
            return CuratorSubmittedBatch(batchID: row["batch_id"], customIDs: requests.map(\.customID))
        }
    }

    /// The decisions of the local rules for one cluster, as a `curate_decisions` tool input.
    /// - Parameter prospects: the cluster's prospects, index 1 first (nil: not in the store,
    ///   left out of the answer, so the router rejects it as omitted).
    public func decide(_ prospects: [LocalProspect?]) -> JSONValue {
        var decisions: [JSONValue] = []
        let present = prospects.indices.filter { prospects[$0] != nil }
        guard let leaderPosition = present.max(by: { a, b in
            // max(by:) returns the last of equal maxima: order ties so the lower index wins.
            let (x, y) = (prospects[a]!.ruleConfidence, prospects[b]!.ruleConfidence)
            return x < y || (x == y && a > b)
        }) else { return ["decisions": []] }
        let leader = prospects[leaderPosition]!
        let leaderType = leader.prospectType ?? "item"
        let leaderKey = ItemKey.derive(type: leader.prospectType, label: leader.label, fallback: leader.prospectID)
        for position in present {
            let prospect = prospects[position]!
            var decision = CuratorDecision(index: position + 1, action: .reject, confidence: prospect.confidence)
            if leader.ruleConfidence < confidenceFloor {
                decision.note = "local: cluster's best confidence \(Self.format(leader.ruleConfidence)) below floor \(Self.format(confidenceFloor))"
            } else if position == leaderPosition {
                decision = Self.commit(prospect, index: position + 1, key: leaderKey, note: "local: most confident in its cluster")
            } else if case let similarity = Self.cosine(prospect.embedding, leader.embedding), similarity >= mergeThreshold {
                decision.action = .merge
                decision.mergeInto = leaderKey
                decision.itemType = leaderType
                decision.note = "local: cosine \(Self.format(similarity)) to index \(leaderPosition + 1)"
            } else if prospect.ruleConfidence < confidenceFloor {
                decision.note = "local: confidence \(Self.format(prospect.ruleConfidence)) below floor \(Self.format(confidenceFloor))"
            } else {
                decision = Self.commit(prospect, index: position + 1,
                                       key: ItemKey.derive(type: prospect.prospectType, label: prospect.label,
                                                           fallback: prospect.prospectID),
                                       note: "local: distinct from index \(leaderPosition + 1)")
            }
            decisions.append(decision.json)
        }
        return ["decisions": .array(decisions)]
    }

    // MARK: Implementation

    private static func commit(_ prospect: LocalProspect, index: Int, key: String, note: String) -> CuratorDecision {
        CuratorDecision(index: index, action: .commit, itemType: prospect.prospectType ?? "item", itemKey: key,
                        label: prospect.label.isEmpty ? prospect.prospectID : prospect.label,
                        summary: prospect.summary.isEmpty ? nil : prospect.summary,
                        confidence: prospect.confidence, note: note)
    }

    /// Reads the batch; computes and stores its results if they are not stored yet.
    private func resultsComputingIfNeeded(_ batchID: String) throws(CuratorProviderError) -> [String: CuratorOutcome] {
        try access {
            // Results already stored (the usual case once polled): a plain read.
            let stored = try store.read { db -> String?? in
                guard let row = try Row.fetchOne(db, sql: "SELECT results FROM local_batches WHERE batch_id = ?",
                                                 arguments: [batchID]) else { return nil }
                return .some(row["results"])
            }
            guard let stored else { throw CuratorProviderError.unknownBatch(batchID) }
            if let text = stored { return try StoredBatchJSON.decode(text, what: "results", batchID: batchID) as [String: CuratorOutcome] }
            // Compute them once, under the write lock (another poller may have just done it).
            return try store.writeWithoutTransaction { db in
                var results: [String: CuratorOutcome] = [:]
                try db.inTransaction(.immediate) {
                    guard let row = try Row.fetchOne(db, sql: "SELECT requests, results FROM local_batches WHERE batch_id = ?",
                                                     arguments: [batchID]) else {
                        throw CuratorProviderError.unknownBatch(batchID)
                    }
                    if let stored: String = row["results"] {
                        results = try StoredBatchJSON.decode(stored, what: "results", batchID: batchID) as [String: CuratorOutcome]
                        return .commit
                    }
                    // The bodies are for remote curators: only the ids are decoded here.
                    let requests = try StoredBatchJSON.decode(row["requests"], what: "requests", batchID: batchID) as [RequestHeader]
                    for request in requests {
                        let prospects = try request.prospectIDs.map { try LocalProspect.fetch($0, db: db) }
                        results[request.customID] = .succeeded(toolInput: decide(prospects))
                    }
                    try db.execute(sql: "UPDATE local_batches SET results = ?, state = ? WHERE batch_id = ?",
                                   arguments: [try StoredBatchJSON.encode(results), CuratorBatchStatus.ended.rawValue, batchID])
                    return .commit
                }
                return results
            }
        }
    }

    private static func cosine(_ a: [Float]?, _ b: [Float]?) -> Double {
        guard let a, let b, a.count == b.count, !a.isEmpty else { return 0 }
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                ReferenceCosine.cosine(x.baseAddress!, ReferenceCosine.norm(x.baseAddress!, count: x.count),
                                       y.baseAddress!, ReferenceCosine.norm(y.baseAddress!, count: y.count), count: x.count)
            }
        }
    }

    private static func format(_ value: Double) -> String { String(format: "%.3f", value) }

    static func randomHex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined()
    }

    /// A stored request without its body.
    private struct RequestHeader: Decodable {
        let customID: String
        let prospectIDs: [String]
        private enum CodingKeys: String, CodingKey { case customID = "custom_id", prospectIDs = "prospect_ids" }
    }

    /// Runs a store access, turning its failures into `CuratorProviderError`.
    private func access<T>(_ body: () throws -> T) throws(CuratorProviderError) -> T {
        do {
            return try body()
        } catch let error as CuratorProviderError {
            throw error
        } catch {
            throw .unavailable("local batch store: \(error)")
        }
    }
}

/// A prospect as the local curator sees it.
public struct LocalProspect: Sendable, Equatable {
    /// The prospect's id.
    public let prospectID: String
    /// Its type, when the import gave one (the derived key's prefix; `"item"` without).
    public let prospectType: String?
    /// Its label (the derived key's slug) and summary.
    public let label: String
    /// See `label`.
    public let summary: String
    /// In [0, 1]: picks the leader, and the floor applies to it; nil (the row had none) counts as
    /// `LocalProspect.unknownConfidence`.
    public let confidence: Double?
    /// The stored vector, if any.
    public let embedding: [Float]?

    /// A prospect with the given values.
    public init(prospectID: String, prospectType: String? = nil, label: String = "", summary: String = "",
                confidence: Double? = 0.5, embedding: [Float]? = nil) {
        self.prospectID = prospectID
        self.prospectType = prospectType
        self.label = label
        self.summary = summary
        self.confidence = confidence
        self.embedding = embedding
    }

    /// What the rules take for a prospect without confidence.
    public static let unknownConfidence = 0.5

    /// The confidence the rules use.
    var ruleConfidence: Double { confidence ?? Self.unknownConfidence }

    /// The first occurrence of `prospectID` in the store, or nil.
    static func fetch(_ prospectID: String, db: Database) throws -> LocalProspect? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT prospect_type, label, summary, confidence, embedding FROM prospects
            WHERE prospect_id = ? ORDER BY seq LIMIT 1
            """), arguments: [prospectID]) else { return nil }
        let blob: Data? = row["embedding"]
        return LocalProspect(prospectID: prospectID, prospectType: row["prospect_type"], label: row["label"] ?? "",
                             summary: row["summary"], confidence: row["confidence"],
                             embedding: try blob.map { try EmbeddingBlob.floats(from: $0) })
    }
}
