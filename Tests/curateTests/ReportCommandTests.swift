import Foundation
import XCTest

/// `curate report` end to end: the page a browser shows, its safety, and bad input.
final class ReportCommandTests: XCTestCase {
    /// A store holding the fixture's 2,000 prospects.
    func fixtureStore(_ dir: InputDirectory) throws {
        let fixture = BackfillCommandTests.fixture.path
        let imported = try CurateProcess.run(["import", "prospects", fixture + ".jsonl", "--embeddings", fixture + ".f32",
                                              "--dim", "384", "--db", "d.sqlite"], in: dir.url)
        XCTAssertEqual(imported.status, 0, imported.stderr)
    }

    func testReportOfTheFixtureRendersInChromiumWithoutConsoleErrors() throws {
        let dir = try InputDirectory()
        try fixtureStore(dir)
        let before = try Data(contentsOf: dir.url.appendingPathComponent("d.sqlite"))
        let result = try CurateProcess.run(["report", "--db", "d.sqlite", "--out", "report.html", "--json"], in: dir.url)
        XCTAssertEqual(result.status, 0, result.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], result.stdoutText)
        XCTAssertEqual(summary["pending"] as? Int, 2000)
        XCTAssertEqual(summary["map_points"] as? Int, 2000)
        XCTAssertEqual(summary["map_downsampled"] as? Bool, false)
        XCTAssertEqual((summary["sweep"] as? [Any])?.count, 26)
        XCTAssertEqual(try Data(contentsOf: dir.url.appendingPathComponent("d.sqlite")), before, "a report writes nothing to the store")
        XCTAssertFalse(try dir.contents().contains { $0.contains(".tmp-") }, "the page is written atomically")

        let page = dir.url.appendingPathComponent("report.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        XCTAssertEqual(summary["bytes"] as? Int, html.utf8.count)
        for section in ["Threshold sweep", "Best similarity to another prospect", "Cluster sizes", "Map of the pool", "Largest clusters"] {
            XCTAssertTrue(html.contains("<h2>\(section)</h2>"), "missing section \(section)")
        }
        XCTAssertFalse(html.contains("<script"), "no script")
        XCTAssertNil(html.range(of: #"(src|href)\s*="#, options: .regularExpression), "nothing is loaded from anywhere")
        XCTAssertEqual(html.components(separatedBy: #"<circle class="pt "#).count - 1, 2000, "one point per prospect")

        let rendering = try HeadlessChromium.render(page, screenshot: dir.url.appendingPathComponent("report.png"))
        XCTAssertEqual(rendering.console, [], "the page logged to the console")
        XCTAssertGreaterThan(rendering.inkedShare, 0.2, "the screenshot is mostly background")
        XCTAssertGreaterThan(rendering.colours, 50, "the screenshot has \(rendering.colours) colours: text and charts are missing")
    }

    /// The harness above must be able to fail: it sees console errors, blocked loads and blank pages.
    func testChromiumHarnessCatchesConsoleErrorsBlockedLoadsAndBlankPages() throws {
        let dir = try InputDirectory()
        try dir.write("noisy.html", """
            <!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'">
            </head><body><h1>noisy</h1><img src="https://example.invalid/x.png"><script>console.error("boom")</script></body></html>
            """)
        let noisy = try HeadlessChromium.render(dir.url.appendingPathComponent("noisy.html"), screenshot: dir.url.appendingPathComponent("n.png"))
        XCTAssertTrue(noisy.console.contains { $0.contains("boom") }, "\(noisy.console)")
        XCTAssertTrue(noisy.console.contains { $0.contains("Content Security Policy") }, "\(noisy.console)")
        try dir.write("blank.html", "<!DOCTYPE html><html><body></body></html>")
        let blank = try HeadlessChromium.render(dir.url.appendingPathComponent("blank.html"), screenshot: dir.url.appendingPathComponent("b.png"))
        XCTAssertEqual(blank.console, [])
        XCTAssertEqual(blank.inked, 0)
        XCTAssertEqual(blank.colours, 1)
    }

    func testHostileTextFromTheStoreIsEscaped() throws {
        let dir = try InputDirectory()
        let hostile = #"<script>alert(1)</script><img src=x onerror=alert(2)> & \"q\""#
        try dir.write("p.jsonl", [
            #"{"prospect_id": "x1", "anchor_key": "s<1>", "ts": "2026-01-10T08:00:00Z", "label": "\#(hostile)", "summary": "\#(hostile)", "embedding": [1, 0, 0]}"#,
            #"{"prospect_id": "x2", "anchor_key": "s<1>", "ts": "2026-01-10T09:00:00Z", "label": "\#(hostile)", "summary": "\#(hostile)", "embedding": [0.99, 0.05, 0]}"#,
        ].joined(separator: "\n") + "\n")
        XCTAssertEqual(try CurateProcess.run(["import", "prospects", "p.jsonl", "--db", "d.sqlite"], in: dir.url).status, 0)
        let result = try CurateProcess.run(["report", "--db", "d.sqlite", "--out", "r.html"], in: dir.url)
        XCTAssertEqual(result.status, 0, result.stderr)
        let html = try String(contentsOf: dir.url.appendingPathComponent("r.html"), encoding: .utf8)
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<img"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &amp; &quot;q&quot;"))
        let rendering = try HeadlessChromium.render(dir.url.appendingPathComponent("r.html"), screenshot: dir.url.appendingPathComponent("r.png"))
        XCTAssertEqual(rendering.console, [])
    }

    func testBadInputExitCodesAndNothingWritten() throws {
        let dir = try InputDirectory()
        try fixtureStore(dir)
        let cases: [([String], Int32, String)] = [
            (["report", "--db", "d.sqlite"], 64, "Missing expected argument '--out"),
            (["report", "--db", "d.sqlite", "--out", "r.html", "--map-points", "-1"], 2, "--map-points must not be negative"),
            (["report", "--db", "missing.sqlite", "--out", "r.html"], 2, "does not exist"),
            (["report", "--db", "d.sqlite", "--out", "r.html", "--cluster-similarity", "1.5"], 2, "--cluster-similarity must be in [-1, 1]"),
            (["report", "--db", "d.sqlite", "--out", "r.html", "--since", "2026-02-30"], 2, "--since: invalid date"),
            (["report", "--db", "d.sqlite", "--out", "no/such/dir/r.html"], 1, "cannot write no/such/dir/r.html"),
        ]
        for (arguments, status, message) in cases {
            let result = try CurateProcess.run(arguments, in: dir.url)
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertFalse(try dir.contents().contains { $0.hasPrefix("r.html") || $0.contains(".tmp-") }, "\(arguments) left a file")
        }
    }

    func testWindowAndMapPointsAreHonoured() throws {
        let dir = try InputDirectory()
        try fixtureStore(dir)
        let result = try CurateProcess.run(["report", "--db", "d.sqlite", "--out", "r.html", "--json", "--since", "2026-04-01",
                                            "--map-points", "300"], in: dir.url)
        XCTAssertEqual(result.status, 0, result.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let status = try CurateProcess.run(["status", "--db", "d.sqlite", "--since", "2026-04-01", "--json"], in: dir.url)
        let inWindow = try XCTUnwrap((JSONSerialization.jsonObject(with: status.stdout) as? [String: Any])?["pending_in_window"] as? Int)
        XCTAssertEqual(summary["pending"] as? Int, inWindow)
        XCTAssertLessThan(inWindow, 2000)
        XCTAssertEqual(summary["map_points"] as? Int, 300)
        XCTAssertEqual(summary["map_downsampled"] as? Bool, true)
        let html = try String(contentsOf: dir.url.appendingPathComponent("r.html"), encoding: .utf8)
        let grouped = inWindow >= 1000 ? "\(inWindow / 1000),\(String(format: "%03d", inWindow % 1000))" : "\(inWindow)"
        XCTAssertTrue(html.contains("<strong>Downsampled:</strong> 300 of \(grouped) prospects are drawn"), "the page says what it downsampled")
    }
}
