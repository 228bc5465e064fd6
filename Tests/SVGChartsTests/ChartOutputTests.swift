import Foundation
import SVGCharts
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What the charts write: well-formed SVG whatever the labels, finite coordinates, sensible
/// axis ranges at the edges.
final class ChartOutputTests: XCTestCase {
    static let hostile = #"</text><script>alert('x')</script> & "q" <img src=x onerror=alert(1)>"#

    /// The text of every text node and every attribute value of `svg`, which must be well-formed XML.
    func parsed(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> (texts: [String], attributes: [String]) {
        final class Collector: NSObject, XMLParserDelegate {
            var texts: [String] = [], attributes: [String] = []
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String]) {
                self.attributes += attributes.values
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { texts.append(string) }
        }
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "not well-formed: \(String(describing: parser.parserError))", file: file, line: line)
        return (collector.texts, collector.attributes)
    }

    func line(_ points: [(x: Double, y: Double)], theme: ChartTheme = .css, label: String = "series") -> String {
        let xs = points.map(\.x), ys = points.map(\.y)
        let frame = ChartFrame(x: .linear((xs.min() ?? 0)...(xs.max() ?? 1)), y: .linear((ys.min() ?? 0)...(ys.max() ?? 1)), theme: theme)
        let dots = points.map { LineChart.Dot(x: $0.x, y: $0.y, marker: Marker(.circle(radius: 3), .cssClass("dot")), hover: label) }
        return LineChart(frame: frame, x: ChartAxis(label: label, ticks: Tick.round(over: frame.x.domain), grid: false),
                         y: ChartAxis(label: label, ticks: Tick.round(over: frame.y.domain), grid: true),
                         series: [.init(lines: [.init(points: points, style: .cssClass("line"))], dots: dots)],
                         caption: (label, label), marker: (points.first?.x ?? 0, label),
                         legend: .row([.init(.box(.cssClass("swatch")), label)])).svg(label: label)
    }

    func testHostileLabelsStayText() {
        let hostile = Self.hostile
        let bars = BarChart(frame: ChartFrame(x: .linear(0...1), y: .linear(0...3), theme: .standalone),
                            x: ChartAxis(label: hostile, ticks: [Tick(value: 0.5, label: hostile)], grid: true),
                            y: ChartAxis(label: hostile, ticks: Tick.round(over: 0...3), grid: true),
                            bars: [.init(lower: 0.1, upper: 0.9, value: 2, style: ["fill": hostile], hover: hostile, caption: hostile)],
                            marker: (0.5, hostile)).svg(label: hostile)
        let legend = LineChart(frame: ChartFrame(x: .linear(0...1), y: .linear(0...1)), x: ChartAxis(label: "", ticks: [], grid: false),
                               y: ChartAxis(label: "", ticks: [], grid: false), series: [],
                               legend: .column([[.init(.line([:]), hostile), .init(.marker(Marker(.square(side: 8), [:])), hostile)]]))
            .svg(label: "")
        for (svg, attributed) in [(line([(0, 1), (1, 2)], label: hostile), true), (bars, true), (legend, false)] {
            XCTAssertFalse(svg.contains("<script") || svg.contains("<img"), svg)
            let (texts, attributes) = parsed(svg)
            XCTAssertTrue(texts.joined().contains(hostile), "the label survives as text")
            XCTAssertEqual(attributes.contains(hostile), attributed, "the label survives as an attribute value")
        }
    }

    func testASinglePointSitsInTheMiddleOfWidenedAxes() {
        let frame = ChartFrame(x: .linear(3...3), y: .linear(7...7))
        XCTAssertEqual(frame.x.domain, 2...4)
        XCTAssertEqual(frame.px(3), frame.left + frame.plotWidth / 2)
        XCTAssertEqual(frame.py(7), frame.top + frame.plotHeight / 2)
        let svg = line([(3, 7)])
        XCTAssertTrue(svg.contains(#"cx="505.0" cy="135.0""#), svg)
        XCTAssertEqual(Scale.decades(covering: 40...40).domain, 1...2, "one decade at least")
    }

    func testEmptyDataGivesAxesWithoutMarks() {
        let svg = line([])
        _ = parsed(svg)
        XCTAssertTrue(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>"))
        XCTAssertFalse(svg.contains("<circle"))
        XCTAssertTrue(svg.contains(#"<polyline class="line" points=""/>"#))
        XCTAssertEqual(Tick.round(over: 1...1), [], "no ticks over an empty range")
        XCTAssertEqual(Tick.round(over: 0...Double.infinity), [])
    }

    func testTicks() {
        XCTAssertEqual(Tick.round(over: 0...1).map(\.label), ["0", "0.2", "0.4", "0.6", "0.8", "1"])
        XCTAssertEqual(Tick.round(over: 0...12_500).map(\.label), ["0", "2,500", "5,000", "7,500", "10,000", "12,500"])
        let decades = Tick.decades(of: .decades(covering: 300...4_000), label: { String(Int($0)) })
        XCTAssertEqual(decades.map(\.label), ["100", "200", "500", "1000", "2000", "5000", "10000"])
        XCTAssertEqual(decades.map(\.isMajor), [true, false, false, true, false, false, true])
    }

    func testFiniteCoordinatesForFiniteInput() {
        var rng = SystemRandomNumberGenerator()
        for theme in [ChartTheme.css, .standalone] {
            for count in [1, 2, 17] {
                let points = (0..<count).map { _ in (x: Double.random(in: -1e6...1e6, using: &rng), y: Double.random(in: -1e-6...1e-6, using: &rng)) }
                let svg = line(points, theme: theme)
                let (_, attributes) = parsed(svg)
                let numbers = attributes.flatMap { $0.split(whereSeparator: { " ,()".contains($0) }) }.compactMap { Double($0) }
                XCTAssertFalse(numbers.isEmpty)
                XCTAssertTrue(numbers.allSatisfy(\.isFinite), svg)
                XCTAssertFalse(svg.lowercased().contains("nan") || svg.contains("inf"), svg)
            }
        }
        let log = ChartFrame(x: .decades(covering: 500...100_000), y: .decades(covering: 0.0004...12), theme: .standalone)
        XCTAssertEqual(log.px(100), log.left)
        XCTAssertEqual(log.px(100_000), log.left + log.plotWidth)
        XCTAssertTrue([log.py(0.0004), log.py(12)].allSatisfy { $0.isFinite && (log.top...(log.top + log.plotHeight)).contains($0) })
    }
}
