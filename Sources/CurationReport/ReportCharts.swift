import Foundation
import SVGCharts

/// The report's inline SVG charts (`SVGCharts` in the `css` theme): plain elements with classes
/// the page's CSS styles, and `<title>` children for hover text, so the page needs no script.
enum ReportCharts {
    /// A bar of a chart: its label on the x axis (categorical charts) or its numeric span.
    struct Bar {
        var label: String
        var lower = 0.0
        var upper = 0.0
        var value: Int
        /// CSS class of the bar (`bar`, `bar accent`).
        var style = "bar"
        var hover: String
    }

    /// A line of a line chart.
    struct Series {
        var name: String
        var values: [Double]
        var style: String
    }

    /// A point of a scatter chart.
    struct Point {
        var x: Double
        var y: Double
        var style: String
        var hover: String
    }

    /// Bars over numeric spans [lower, upper) on the x axis, with a marker line.
    static func histogram(_ bars: [Bar], xRange: ClosedRange<Double>, xTicks: [Double], marker: (value: Double, label: String),
                          xLabel: String, yLabel: String) -> String {
        let frame = ChartFrame(x: .linear(xRange), y: .linear(0...Double(max(bars.map(\.value).max() ?? 1, 1))))
        let drawn = bars.map { BarChart.Bar(lower: $0.lower, upper: $0.upper, value: Double($0.value), style: .cssClass($0.style), hover: $0.hover) }
        return BarChart(frame: frame, x: ChartAxis(label: xLabel, ticks: xTicks.map(fixedTick), grid: false), y: yAxis(yLabel, frame),
                        bars: drawn, gap: 0.5, marker: marker).svg(label: yLabel + " by " + xLabel)
    }

    /// Bars over categories, each with its value written above it.
    static func categoryBars(_ bars: [Bar], xLabel: String, yLabel: String) -> String {
        let top = Double(max(bars.map(\.value).max() ?? 1, 1)) * 1.12
        let frame = ChartFrame(height: 260, x: .linear(0...Double(max(bars.count, 1))), y: .linear(0...top))
        let drawn = bars.enumerated().map { i, bar in
            BarChart.Bar(lower: Double(i) + 0.15, upper: Double(i) + 0.85, value: Double(bar.value), style: .cssClass(bar.style),
                         hover: bar.hover, caption: SVGText.grouped(bar.value))
        }
        let categories = bars.enumerated().map { Tick(value: Double($0) + 0.5, label: $1.label) }
        return BarChart(frame: frame, x: ChartAxis(label: xLabel, ticks: categories, grid: false), y: yAxis(yLabel, frame), bars: drawn)
            .svg(label: yLabel + " by " + xLabel)
    }

    /// Lines over shared x values, with a dot per value (hover: `hovers[i]`) and a marker line.
    static func lines(_ series: [Series], x: [Double], hovers: [String], marker: (value: Double, label: String),
                      xLabel: String, yLabel: String) -> String {
        let all = series.flatMap(\.values)
        let frame = ChartFrame(top: 36, x: .linear((x.first ?? 0)...(x.last ?? 1)), y: .linear(0...max((all.max() ?? 1) * 1.05, 1)))
        let ticks = stride(from: x.first ?? 0, through: (x.last ?? 1) + 1e-9, by: 0.05).map(fixedTick)
        let drawn = series.map { line in
            LineChart.Series(lines: [.init(points: Array(zip(x, line.values)), style: .cssClass("line " + line.style))],
                             dots: zip(x, line.values).enumerated().map { i, point in
                                 .init(x: point.0, y: point.1, marker: Marker(.circle(radius: 3), .cssClass("dot " + line.style)),
                                       hover: line.name + ": " + hovers[i])
                             })
        }
        let legend = Legend.row(series.map { Legend.Entry(.box(.cssClass("swatch " + $0.style)), $0.name) })
        return LineChart(frame: frame, x: ChartAxis(label: xLabel, ticks: ticks, grid: false), y: yAxis(yLabel, frame), series: drawn,
                         marker: marker, legend: legend).svg(label: yLabel + " by " + xLabel)
    }

    /// Points on two numeric axes; drawn in the order given (later ones on top).
    static func scatter(_ points: [Point], xLabel: String, yLabel: String) -> String {
        func padded(_ values: [Double]) -> ClosedRange<Double> {
            let lo = values.min() ?? -1, hi = values.max() ?? 1, pad = max((hi - lo) * 0.04, 1e-6)
            return (lo - pad)...(hi + pad)
        }
        let frame = ChartFrame(height: 640, x: .linear(padded(points.map(\.x))), y: .linear(padded(points.map(\.y))))
        let dots = points.map { LineChart.Dot(x: $0.x, y: $0.y, marker: Marker(.circle(radius: 3), .cssClass($0.style)), hover: $0.hover) }
        let x = ChartAxis(label: xLabel, ticks: Tick.round(over: frame.x.domain) { String(format: "%.2g", $0) }, grid: false)
        return LineChart(frame: frame, x: x, y: yAxis(yLabel, frame), series: [.init(dots: dots)])
            .svg(label: "map of the pool: " + xLabel + " against " + yLabel)
    }

    /// A tick at `value` labelled with two decimals.
    private static func fixedTick(_ value: Double) -> Tick { Tick(value: value, label: SVGText.fixed(value, 2)) }

    /// The vertical axis named `label`: round ticks with grid lines.
    private static func yAxis(_ label: String, _ frame: ChartFrame) -> ChartAxis {
        ChartAxis(label: label, ticks: Tick.round(over: frame.y.domain), grid: true)
    }
}
