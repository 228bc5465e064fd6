import Foundation
import SVGCharts

/// The `--plot` SVG (`SVGCharts` in the `standalone` theme): clustering seconds against pool
/// size, log–log, one line per backend and peer (and per dimension: d = the first dimension
/// solid, others dashed). Filled circles are real data, squares synthetic, hollow markers reached
/// by a dotted segment are extrapolated.
enum SVGPlot {
    private struct Series {
        var name: String
        var dim: Int
        var color: String
        var points: [(x: Double, y: Double, synthetic: Bool, extrapolated: Bool)]
    }

    private static let palette: [String: String] = [
        "scalar": "#7f7f7f", "swift-simd": "#9467bd", "simd": "#2ca02c", "blas": "#1f77b4", "bf16": "#17a589", "int8": "#000000",
        "numpy (pip)": "#ff7f0e", "numpy (forced)": "#d62728", "faiss (pip)": "#8c564b", "faiss (forced)": "#e377c2",
        "sklearn (pip)": "#bcbd22", "sklearn (forced)": "#17becf",
    ]
    private static let dashed = "7 4", dotted = "2 3"

    static func render(_ report: BenchReport) -> String {
        var seriesByKey: [String: Series] = [:]
        var order: [String] = []
        for row in report.clustering {
            guard let seconds = row.secondsMin, seconds > 0 else { continue }
            let name = row.kind == "peer" ? "\(row.backend) (\(row.mode ?? "?"))" : row.backend
            let key = "\(name)|\(row.dim)"
            if seriesByKey[key] == nil {
                order.append(key)
                seriesByKey[key] = Series(name: name, dim: row.dim, color: palette[name] ?? "#333333", points: [])
            }
            seriesByKey[key]!.points.append((Double(row.pool), seconds, row.data == "synthetic", row.isExtrapolated))
        }
        let series = order.map { key -> Series in
            var s = seriesByKey[key]!
            s.points.sort { $0.x < $1.x }
            return s
        }
        let dims = Array(Set(series.map(\.dim))).sorted()
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        guard let xMin = xs.min(), let xMax = xs.max(), let yMin = ys.min(), let yMax = ys.max() else {
            return SVG.open("svg", ChartTheme.standalone.root, ["width": 400, "height": 60])
                + SVG.element("text", [:], ["x": 10, "y": 30], text: "no clustering measurements") + "</svg>\n"
        }
        let frame = ChartFrame(width: 980, height: 620, left: 78, right: 250, top: 62, bottom: 58,
                               x: .decades(covering: xMin...xMax), y: .decades(covering: yMin...yMax), theme: .standalone)
        let title = String(format: "Greedy first-match clustering (t = %.2f): seconds vs pool size", report.threshold)
        let subtitle = "\(report.machine.cpu), \(report.machine.cores) cores; BLAS core \(report.machine.blasCore); "
            + String(format: "sgemm peak %.0f GFLOP/s; min of reps; %@", report.peak.peak, report.started)
        let chart = LineChart(
            frame: frame,
            x: ChartAxis(label: "pool size (items, log scale)", ticks: Tick.decades(of: frame.x, label: count), grid: true),
            y: ChartAxis(label: "seconds (log scale)", ticks: Tick.decades(of: frame.y, label: secondsLabel), grid: true),
            series: series.map { drawn($0, dash: $0.dim == dims.first ? nil : dashed) },
            caption: (title, subtitle), legend: legend(series, dims: dims))
        return chart.svg(label: title) + "\n"
    }

    /// `s` as lines (dotted to and from extrapolated points, else `dash`) and a marker per point.
    private static func drawn(_ s: Series, dash: String?) -> LineChart.Series {
        var runs: [(dash: String?, points: [(x: Double, y: Double)])] = []
        for (a, b) in zip(s.points, s.points.dropFirst()) {
            let style = a.extrapolated || b.extrapolated ? dotted : dash
            if let last = runs.last, last.dash == style {
                runs[runs.count - 1].points.append((b.x, b.y))
            } else {
                runs.append((style, [(a.x, a.y), (b.x, b.y)]))
            }
        }
        let dots = s.points.map { p in
            let style: SVGStyle = ["fill": p.extrapolated ? "white" : s.color, "stroke": s.color, "stroke-width": "1.5"]
            return LineChart.Dot(x: p.x, y: p.y, marker: Marker(p.synthetic ? .square(side: 8) : .circle(radius: 4), style),
                                 hover: "\(s.name), d = \(s.dim), \(Int(p.x)) items: \(secondsLabel(p.y))\(p.extrapolated ? " (extrapolated)" : "")")
        }
        return LineChart.Series(lines: runs.map { .init(points: $0.points, style: stroke(s.color, width: 2, dash: $0.dash)) }, dots: dots)
    }

    /// One entry per backend or peer, per dimension, and per kind of point.
    private static func legend(_ series: [Series], dims: [Int]) -> Legend {
        var names: [String] = []
        for s in series where !names.contains(s.name) { names.append(s.name) }
        let colors = names.map { name in series.first { $0.name == name }!.color }
        let lines = dims.enumerated().map { Legend.Entry(.line(stroke("#000", width: 2, dash: $0 == 0 ? nil : dashed)), "d = \($1)") }
        return .column([
            zip(names, colors).map { Legend.Entry(.line(stroke($1, width: 3, dash: nil)), $0) },
            lines + [Legend.Entry(.line(stroke("#000", width: 2, dash: dotted)), "to an extrapolated point")],
            [Legend.Entry(.marker(Marker(.circle(radius: 4), ["fill": "#000"])), "real data (debian-minilm)"),
             Legend.Entry(.marker(Marker(.square(side: 8), ["fill": "#000"])), "synthetic data"),
             Legend.Entry(.marker(Marker(.circle(radius: 4), ["fill": "white", "stroke": "#000", "stroke-width": "1.5"])), "extrapolated (not run)")],
        ])
    }

    /// An unfilled stroke of `color`, `width` pixels, dashed by `dash` if given.
    private static func stroke(_ color: String, width: Int, dash: String?) -> SVGStyle {
        var style: SVGStyle = ["fill": "none", "stroke": color, "stroke-width": String(width)]
        if let dash { style.attributes.append(("stroke-dasharray", dash)) }
        return style
    }

    private static func count(_ x: Double) -> String {
        x >= 1_000_000 ? "\(Int(x / 1_000_000))M" : x >= 1000 ? "\(Int(x / 1000))k" : "\(Int(x))"
    }

    private static func secondsLabel(_ y: Double) -> String {
        if y >= 1 { return String(format: "%g s", y) }
        if y >= 0.001 { return String(format: "%g ms", y * 1000) }
        return String(format: "%g µs", y * 1e6)
    }
}
