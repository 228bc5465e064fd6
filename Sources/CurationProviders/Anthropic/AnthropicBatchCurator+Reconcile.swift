import CurationStore
import Foundation

extension AnthropicBatchCurator {
    /// How far before the job's claim time the provider's clock may place its batches.
    public static let clockSlack: Duration = .seconds(15 * 60)

    /// The batches holding requests of the job with `jobNonce` (`custom_id`s `<nonce>-c<index>`).
    ///
    /// Lists the workspace's batches, newest first, page by page, back to `claimedAt` minus
    /// `clockSlack`, and reads the results of each: the API shows a batch's `custom_id`s only
    /// in its results. So a candidate still in progress is **waited for** (polled every
    /// `pollInterval`) before it can be told apart; reconciling may therefore take as long as the
    /// slowest batch created in that window, another job's included (at most 24 hours, when
    /// unfinished requests expire).
    /// - Returns: the matching batches with their `custom_id`s, in cluster order.
    /// - Throws: `CuratorProviderError` (`.unavailable` when listing, polling or downloading
    ///   fails, or the task is cancelled while waiting).
    public func findBatches(jobNonce: String, claimedAt: UTCTimestamp) async throws(CuratorProviderError)
        -> [CuratorSubmittedBatch]? {
        let slack = Self.clockSlack.components.seconds * 1000
        let cutoff = UTCTimestamp(millisecondsSince1970: claimedAt.millisecondsSince1970 - slack)
        var found: [CuratorSubmittedBatch] = []
        for candidate in try await batches(since: cutoff) {
            guard let customIDs = try await customIDs(of: candidate),
                  customIDs.contains(where: { $0.hasPrefix(jobNonce + "-c") }) else { continue }
            found.append(CuratorSubmittedBatch(batchID: candidate.id, customIDs: Self.clusterOrder(customIDs)))
        }
        return found
    }

    /// The `custom_id`s of `candidate` once it has ended, or nil when it vanished meanwhile
    /// (deleted: nothing to adopt).
    private func customIDs(of candidate: AnthropicBatch) async throws(CuratorProviderError) -> [String]? {
        var customIDs: [String] = []
        do {
            let batch = try await waitUntilEnded(candidate)
            try await forEachResult(of: batch, lines: batch.requestCount, accepting: { _ in true },
                                    restart: { customIDs.removeAll() }) { customIDs.append($0.customID) }
        } catch {
            if case .unknownBatch = error { return nil }
            throw error
        }
        return customIDs
    }

    /// The batches created at or after `cutoff`, newest first (pages of 100, `after_id`).
    private func batches(since cutoff: UTCTimestamp) async throws(CuratorProviderError) -> [AnthropicBatch] {
        var found: [AnthropicBatch] = []
        var afterID: String?
        while true {
            let query = "?limit=100" + (afterID.map { "&after_id=" + Self.urlComponent($0) } ?? "")
            let response = try await send("GET", batchesURL + query, operation: "list batches")
            guard let page = AnthropicBatchPage.decode(response.body) else {
                throw .unavailable("list batches: the reply is not a batch list")
            }
            found += page.batches.filter { ($0.createdAt ?? cutoff) >= cutoff }
            guard let next = page.nextAfterID, let last = page.batches.last,
                  (last.createdAt ?? cutoff) >= cutoff else { return found }
            afterID = next
        }
    }

    /// `batch` once it has ended, polling every `pollInterval`.
    private func waitUntilEnded(_ batch: AnthropicBatch) async throws(CuratorProviderError) -> AnthropicBatch {
        var current = batch
        while !current.ended {
            do {
                try await Task.sleep(for: max(pollInterval, .milliseconds(1)))
            } catch {
                throw .unavailable("waiting for batch \(batch.id) to end was cancelled")
            }
            current = try await retrieve(batch.id)
        }
        return current
    }

    /// `ids` ordered by their cluster index (`…-c<index>`), the order they were submitted in.
    private static func clusterOrder(_ ids: [String]) -> [String] {
        func index(_ id: String) -> Int { id.range(of: "-c", options: .backwards).flatMap { Int(id[$0.upperBound...]) } ?? .max }
        return ids.sorted { (index($0), $0) < (index($1), $1) }
    }
}
