import SVGCharts
import XCTest

/// Escaping and number formats.
final class SVGTextTests: XCTestCase {
    func testEscapeMakesTextSafeInContentAndQuotedAttributes() {
        XCTAssertEqual(SVGText.escape("a<b>&\"'c\u{7}d\te\u{85}f"), "a&lt;b&gt;&amp;&quot;&#39;c\u{FFFD}d\te\u{FFFD}f")
        XCTAssertEqual(SVGText.escape("é ☃ \u{1F600}\n"), "é ☃ \u{1F600}\n")
    }

    func testElementsEscapeEveryAttributeAndText() {
        let hostile = #"x" onload="alert(1)"#
        XCTAssertEqual(SVG.element("text", ["fill": hostile], ["x": 1.25, "r": 3, "id": hostile], text: "</text><script>", title: "&"),
                       #"<text fill="x&quot; onload=&quot;alert(1)" x="1.2" r="3" id="x&quot; onload=&quot;alert(1)">"#
                           + "&lt;/text&gt;&lt;script&gt;<title>&amp;</title></text>")
        XCTAssertEqual(SVG.element("line", .cssClass("axis"), ["x1": 0.0]), #"<line class="axis" x1="0.0"/>"#)
    }

    func testNumbers() {
        XCTAssertEqual(SVGText.grouped(0), "0")
        XCTAssertEqual(SVGText.grouped(999), "999")
        XCTAssertEqual(SVGText.grouped(40_000), "40,000")
        XCTAssertEqual(SVGText.grouped(-1_234_567), "-1,234,567")
        XCTAssertEqual(SVGText.fixed(0.8249, 2), "0.82")
        XCTAssertEqual(Tick.number(12_000), "12,000")
        XCTAssertEqual(Tick.number(0.125), "0.125")
    }
}
