import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import ProviderEmulator
import XCTest

/// Every rule of `DecisionRule.all` end to end: the three prospects imported in the original's
/// shape, a backfill submitting their one cluster to the Anthropic Message Batches emulator,
/// which answers in the original's tool schema exactly as the rule says (a scripted message, or
/// an errored, expired or canceled result), and the rows exported afterwards.
final class DecisionRulesEndToEndTests: XCTestCase {
    private let key = "sk-ant-rules-0123456789"

    func testEveryRuleThroughTheAnthropicEmulator() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 0.01, apiKey: key))
        let curator = try curator(emulator)
        for rule in DecisionRule.all {
            emulator.setOutcomes([try Self.emulatorRule(for: rule)])
            let store = try await DecisionTests.storeWithRuleProspects()
            let backfill = Backfill(store: store, config: CurateConfig(), provider: curator)
            let report = try await backfill.run(BackfillScope())
            XCTAssertEqual(report.clusters, 1, rule.rule)
            let (committed, resolutions) = try DecisionTests.exportedRows(store)
            XCTAssertEqual(committed, rule.committed, rule.rule)
            XCTAssertEqual(resolutions, rule.resolutions, rule.rule)
            XCTAssertEqual(try store.counts().pending, 3 - rule.resolutions.count, rule.rule)
        }
        let stats = emulator.stats()
        XCTAssertEqual(stats.batchesCreated, DecisionRule.all.count)
        try await emulator.stop()
    }

    /// 5.5 end to end: a prospect below the salience threshold gets a `skip` resolution (note
    /// "below salience threshold", `committed_ids` null) and never reaches the curator; the
    /// others are sent and answered.
    func testSalienceSkipsNeverReachTheCurator() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 0.01, apiKey: key))
        emulator.setOutcomes([try EmulatorOutcomeRule(scripted: DecisionRule.tool(#"[{"index":1,"decision":"reject","note":"no"}]"#),
                                                      customIDSuffix: "-c0")])
        let store = try await DecisionTests.storeWithRuleProspects()
        try await JobScratch.importCommitted(store, [JobScratch.committed("tool:known", type: "Tool", vector: [1, 0, 0])])
        try store.write { db in
            try db.execute(sql: "UPDATE prospects SET embedding = ? WHERE prospect_id IN ('p2', 'p3')",
                           arguments: [EmbeddingBlob.data(from: [0, 1, 0])])
        }
        var config = CurateConfig()
        config.salienceThreshold = 0.5
        let backfill = Backfill(store: store, config: config, provider: try curator(emulator))
        let report = try await backfill.run(BackfillScope())
        XCTAssertEqual(report.tally.skipped, 1)
        XCTAssertEqual(report.clusters, 1)
        let sent = emulator.stats().submissionsByCustomID
        XCTAssertEqual(sent.count, 1, "one request: p2 and p3; p1 (a twin of tool:known) is not sent")
        let (committed, resolutions) = try DecisionTests.exportedRows(store)
        XCTAssertEqual(committed, [])
        XCTAssertEqual(resolutions, [DecisionRule.resolution(1, "skip", note: "below salience threshold"),
                                     DecisionRule.resolution(2, "reject", note: "no"), DecisionRule.omitted(3)])
        try await emulator.stop()
    }

    /// The Anthropic curator of `emulator`, polling every 10 ms.
    private func curator(_ emulator: ProviderEmulator) throws -> AnthropicBatchCurator {
        var settings = try RemoteCuratorSettings.resolve(provider: AnthropicBatchCurator.providerName, config: CurateConfig(),
                                                         baseURLOverride: emulator.baseURL,
                                                         environment: ["ANTHROPIC_API_KEY": key])
        settings.pollInterval = .milliseconds(10)
        return AnthropicBatchCurator(settings: settings, http: CurateConfig().makeHTTPClient())
    }

    /// The emulator rule answering the cluster's request (`…-c0`) as `rule` says.
    static func emulatorRule(for rule: DecisionRule) throws -> EmulatorOutcomeRule {
        let result = try JSONValue(parsing: rule.result)
        switch result["type"]?.stringValue {
        case "errored": return EmulatorOutcomeRule(outcome: .errored, customIDSuffix: "-c0")
        case "expired": return EmulatorOutcomeRule(outcome: .expired, customIDSuffix: "-c0")
        case "canceled": return EmulatorOutcomeRule(outcome: .canceled, customIDSuffix: "-c0")
        default:
            // The blocks as written in the rule (raw, so that `2.0` reaches the wire as `2.0`).
            let content = try XCTUnwrap(Self.rawContent(of: rule.result))
            return try EmulatorOutcomeRule(scripted: content, stopReason: result["message"]?["stop_reason"]?.stringValue ?? "tool_use",
                                           customIDSuffix: "-c0")
        }
    }

    /// The text of the `"content":[…]` array of a succeeded result, byte for byte.
    static func rawContent(of result: String) -> String? {
        guard let start = result.range(of: #""content":"#)?.upperBound,
              let end = result.range(of: #","stop_reason":"#, options: .backwards)?.lowerBound else { return nil }
        return String(result[start..<end])
    }
}
