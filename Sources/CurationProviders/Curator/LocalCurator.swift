import CurationStore
import Foundation
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
    public var store: CurationStore { table.store }
    /// This curator's rows of `local_batches`.
    private let table: LocalBatchTable
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
        table = LocalBatchTable(store: store, provider: Self.providerName)
        self.mergeThreshold = mergeThreshold
        self.confidenceFloor = confidenceFloor
        self.limits = limits
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
        let batchID = "localbatch_" + randomHex(bytes: 12)
        let text = try StoredBatchJSON.encode(requests)
        try access { try table.insert(batchID: batchID, jobNonce: jobNonce, requests: text, state: CuratorBatchStatus.inProgress.rawValue) }
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
        return try access { try table.batches(jobNonce: jobNonce) }.map { batch throws(CuratorProviderError) in
            let requests = try StoredBatchJSON.decode(batch.requests, what: "requests", batchID: batch.batchID) as [RequestHeader]
            return CuratorSubmittedBatch(batchID: batch.batchID, customIDs: requests.map(\.customID))
        }
    }

    /// The decisions of the local rules for one cluster, as a `curate_decisions` tool input.
    /// - Parameter prospects: the cluster's prospects, index 1 first (nil: not in the store,
    ///   left out of the answer, so the router rejects it as omitted).
    package func decide(_ prospects: [LocalProspect?]) -> JSONValue {
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
        let text = try access {
            try table.results(of: batchID, state: CuratorBatchStatus.ended.rawValue) { requestsText, prospect in
                // The bodies are for remote curators: only the ids are decoded here.
                let requests = try StoredBatchJSON.decode(requestsText, what: "requests", batchID: batchID) as [RequestHeader]
                var results: [String: CuratorOutcome] = [:]
                for request in requests {
                    results[request.customID] = .succeeded(toolInput: decide(try request.prospectIDs.map(prospect)))
                }
                return try StoredBatchJSON.encode(results)
            }
        }
        guard let text else { throw .unknownBatch(batchID) }
        return try StoredBatchJSON.decode(text, what: "results", batchID: batchID)
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
