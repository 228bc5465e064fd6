import Curation
import CurationStore
import Foundation

/// The report's inline SVG charts: plain elements with classes the page's CSS styles, and
/// `<title>` children for hover text, so the page needs no script. Every text is escaped.
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

    /// Pixel geometry of a plot area and its two linear axes.
    private struct Frame {
        let width = 960.0, height: Double
        let left = 70.0, right = 20.0, top: Double, bottom = 46.0
        let x: ClosedRange<Double>, y: ClosedRange<Double>

        init(height: Double = 300, top: Double = 16, x: ClosedRange<Double>, y: ClosedRange<Double>) {
            self.height = height
            self.top = top
            self.x = x.lowerBound < x.upperBound ? x : (x.lowerBound - 1)...(x.upperBound + 1)
            self.y = y.lowerBound < y.upperBound ? y : (y.lowerBound - 1)...(y.upperBound + 1)
        }

        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }
        func px(_ value: Double) -> Double { left + (value - x.lowerBound) / (x.upperBound - x.lowerBound) * plotWidth }
        func py(_ value: Double) -> Double { top + plotHeight - (value - y.lowerBound) / (y.upperBound - y.lowerBound) * plotHeight }

        /// The opening tag of the chart.
        func open(_ label: String) -> String {
            ##"<svg class="chart" role="img" aria-label="\##(HTMLText.escape(label))" viewBox="0 0 \##(Int(width)) \##(Int(height))" width="\##(Int(width))" height="\##(Int(height))">"##
        }

        /// Axis lines, y ticks with grid lines, x ticks (numeric, or `categories` centred under bars), labels.
        func axes(xLabel: String, yLabel: String, xTicks: [Double] = [], format: (Double) -> String = { HTMLText.fixed($0, 2) },
                  categories: [String] = []) -> String {
            var svg = ""
            for tick in Self.ticks(y) {
                let yy = f(py(tick))
                svg += ##"<line class="grid" x1="\##(f(left))" x2="\##(f(width - right))" y1="\##(yy)" y2="\##(yy)"/>"##
                svg += ##"<text class="tick" x="\##(f(left - 6))" y="\##(yy)" text-anchor="end" dy="0.32em">\##(Self.label(tick))</text>"##
            }
            let base = f(top + plotHeight)
            svg += ##"<line class="axis" x1="\##(f(left))" x2="\##(f(width - right))" y1="\##(base)" y2="\##(base)"/>"##
            svg += ##"<line class="axis" x1="\##(f(left))" x2="\##(f(left))" y1="\##(f(top))" y2="\##(base)"/>"##
            for tick in xTicks {
                svg += ##"<text class="tick" x="\##(f(px(tick)))" y="\##(f(top + plotHeight + 16))" text-anchor="middle">\##(format(tick))</text>"##
            }
            let step = plotWidth / Double(max(categories.count, 1))
            for (i, category) in categories.enumerated() {
                svg += ##"<text class="tick" x="\##(f(left + step * (Double(i) + 0.5)))" y="\##(f(top + plotHeight + 16))" text-anchor="middle">\##(HTMLText.escape(category))</text>"##
            }
            svg += ##"<text class="axis-label" x="\##(f(left + plotWidth / 2))" y="\##(f(height - 6))" text-anchor="middle">\##(HTMLText.escape(xLabel))</text>"##
            svg += ##"<text class="axis-label" transform="rotate(-90)" x="\##(f(-(top + plotHeight / 2)))" y="16" text-anchor="middle">\##(HTMLText.escape(yLabel))</text>"##
            return svg
        }

        /// A dashed vertical line at `value` with a label at its top.
        func marker(at value: Double, label: String) -> String {
            let xx = f(px(value))
            return ##"<line class="marker" x1="\##(xx)" x2="\##(xx)" y1="\##(f(top))" y2="\##(f(top + plotHeight))"/>"##
                + ##"<text class="marker-label" x="\##(f(px(value) + 5))" y="\##(f(top + 12))">\##(HTMLText.escape(label))</text>"##
        }

        /// About five round ticks over `range`.
        static func ticks(_ range: ClosedRange<Double>) -> [Double] {
            let span = range.upperBound - range.lowerBound
            let raw = span / 5, magnitude = pow(10, floor(log10(raw)))
            let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
            return stride(from: ceil(range.lowerBound / step) * step, through: range.upperBound + step * 1e-9, by: step).map { $0 }
        }

        /// A tick label: an integer with separators, or a short decimal.
        static func label(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? HTMLText.count(Int(value)) : String(format: "%.3g", value)
        }

        func f(_ value: Double) -> String { String(format: "%.1f", value) }
    }

    /// Bars over numeric spans [lower, upper) on the x axis, with a marker line.
    static func histogram(_ bars: [Bar], xRange: ClosedRange<Double>, xTicks: [Double], marker: (value: Double, label: String),
                          xLabel: String, yLabel: String) -> String {
        let frame = Frame(x: xRange, y: 0...Double(max(bars.map(\.value).max() ?? 1, 1)))
        var svg = frame.open(yLabel + " by " + xLabel)
        svg += frame.axes(xLabel: xLabel, yLabel: yLabel, xTicks: xTicks)
        for bar in bars where bar.value > 0 {
            let x0 = frame.px(bar.lower), x1 = frame.px(bar.upper), y = frame.py(Double(bar.value))
            svg += ##"<rect class="\##(bar.style)" x="\##(frame.f(x0))" y="\##(frame.f(y))" width="\##(frame.f(max(x1 - x0 - 0.5, 0.5)))" height="\##(frame.f(frame.py(0) - y))"><title>\##(HTMLText.escape(bar.hover))</title></rect>"##
        }
        svg += frame.marker(at: marker.value, label: marker.label)
        return svg + "</svg>"
    }

    /// Bars over categories, each with its value written above it.
    static func categoryBars(_ bars: [Bar], xLabel: String, yLabel: String) -> String {
        let top = Double(max(bars.map(\.value).max() ?? 1, 1)) * 1.12
        let frame = Frame(height: 260, x: 0...Double(max(bars.count, 1)), y: 0...top)
        var svg = frame.open(yLabel + " by " + xLabel)
        svg += frame.axes(xLabel: xLabel, yLabel: yLabel, categories: bars.map(\.label))
        for (i, bar) in bars.enumerated() {
            let x0 = frame.px(Double(i) + 0.15), x1 = frame.px(Double(i) + 0.85), y = frame.py(Double(bar.value))
            svg += ##"<rect class="\##(bar.style)" x="\##(frame.f(x0))" y="\##(frame.f(y))" width="\##(frame.f(x1 - x0))" height="\##(frame.f(frame.py(0) - y))"><title>\##(HTMLText.escape(bar.hover))</title></rect>"##
            svg += ##"<text class="value" x="\##(frame.f((x0 + x1) / 2))" y="\##(frame.f(y - 4))" text-anchor="middle">\##(HTMLText.count(bar.value))</text>"##
        }
        return svg + "</svg>"
    }

    /// Lines over shared x values, with a dot per value (hover: `hovers[i]`) and a marker line.
    static func lines(_ series: [Series], x: [Double], hovers: [String], marker: (value: Double, label: String),
                      xLabel: String, yLabel: String) -> String {
        let all = series.flatMap(\.values)
        let frame = Frame(height: 300, top: 36, x: (x.first ?? 0)...(x.last ?? 1), y: 0...max((all.max() ?? 1) * 1.05, 1))
        var svg = frame.open(yLabel + " by " + xLabel)
        let ticks = stride(from: (x.first ?? 0), through: (x.last ?? 1) + 1e-9, by: 0.05).map { $0 }
        svg += frame.axes(xLabel: xLabel, yLabel: yLabel, xTicks: ticks)
        svg += frame.marker(at: marker.value, label: marker.label)
        for line in series {
            let path = zip(x, line.values).map { "\(frame.f(frame.px($0))),\(frame.f(frame.py($1)))" }.joined(separator: " ")
            svg += ##"<polyline class="line \##(line.style)" points="\##(path)"/>"##
            for (i, (xv, yv)) in zip(x, line.values).enumerated() {
                svg += ##"<circle class="dot \##(line.style)" cx="\##(frame.f(frame.px(xv)))" cy="\##(frame.f(frame.py(yv)))" r="3"><title>\##(HTMLText.escape(line.name + ": " + hovers[i]))</title></circle>"##
            }
        }
        var legendX = frame.left
        for line in series {  // in the top margin, above the plot
            svg += ##"<rect class="swatch \##(line.style)" x="\##(frame.f(legendX))" y="6" width="12" height="12"/>"##
            svg += ##"<text class="legend" x="\##(frame.f(legendX + 17))" y="16">\##(HTMLText.escape(line.name))</text>"##
            legendX += 24 + Double(line.name.count) * 7
        }
        return svg + "</svg>"
    }

    /// Points on two numeric axes; drawn in the order given (later ones on top).
    static func scatter(_ points: [Point], xLabel: String, yLabel: String) -> String {
        let xs = points.map(\.x), ys = points.map(\.y)
        func padded(_ values: [Double]) -> ClosedRange<Double> {
            let lo = values.min() ?? -1, hi = values.max() ?? 1, pad = max((hi - lo) * 0.04, 1e-6)
            return (lo - pad)...(hi + pad)
        }
        let frame = Frame(height: 640, x: padded(xs), y: padded(ys))
        var svg = frame.open("map of the pool: " + xLabel + " against " + yLabel)
        svg += frame.axes(xLabel: xLabel, yLabel: yLabel, xTicks: Frame.ticks(frame.x), format: { String(format: "%.2g", $0) })
        for point in points {
            svg += ##"<circle class="\##(point.style)" cx="\##(frame.f(frame.px(point.x)))" cy="\##(frame.f(frame.py(point.y)))" r="3"><title>\##(HTMLText.escape(point.hover))</title></circle>"##
        }
        return svg + "</svg>"
    }
}
