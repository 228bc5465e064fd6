import Foundation

/// A hand-written SVG: clustering seconds against pool size, log–log, one line per backend and
/// peer (and per dimension: d = the first dimension solid, others dashed). Filled circles are
/// real data, squares synthetic, hollow markers reached by a dotted segment are extrapolated.
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

    static func render(_ report: BenchReport) -> String {
        let width = 980.0, height = 620.0
        let left = 78.0, right = 250.0, top = 62.0, bottom = 58.0
        let plotW = width - left - right, plotH = height - top - bottom

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
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"60\"><text x=\"10\" y=\"30\">no clustering measurements</text></svg>\n"
        }
        let x0 = floor(log10(xMin)), x1 = max(ceil(log10(xMax)), x0 + 1)
        let y0 = floor(log10(yMin)), y1 = max(ceil(log10(yMax)), y0 + 1)
        func px(_ x: Double) -> Double { left + (log10(x) - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (log10(y) - y0) / (y1 - y0) * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var svg: [String] = []
        svg.append(##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" viewBox="0 0 \##(Int(width)) \##(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">"##)
        svg.append(##"<rect width="100%" height="100%" fill="white"/>"##)
        let title = String(format: "Greedy first-match clustering (t = %.2f): seconds vs pool size", report.threshold)
        svg.append(##"<text x="\##(f(left))" y="24" font-size="16" font-weight="bold">\##(escape(title))</text>"##)
        let subtitle = "\(report.machine.cpu), \(report.machine.cores) cores; BLAS core \(report.machine.blasCore); "
            + String(format: "sgemm peak %.0f GFLOP/s; min of reps; %@", report.peak.peak, report.started)
        svg.append(##"<text x="\##(f(left))" y="44" fill="#555">\##(escape(subtitle))</text>"##)

        // Grid, ticks and labels.
        for decade in Int(x0)...Int(x1) {
            for m in [1.0, 2, 5] where decade < Int(x1) || m == 1 {
                let x = m * pow(10, Double(decade))
                let X = px(x)
                svg.append(##"<line x1="\##(f(X))" y1="\##(f(top))" x2="\##(f(X))" y2="\##(f(top + plotH))" stroke="\##(m == 1 ? "#ccc" : "#eee")"/>"##)
                svg.append(##"<text x="\##(f(X))" y="\##(f(top + plotH + 16))" text-anchor="middle" fill="\##(m == 1 ? "#000" : "#888")">\##(count(x))</text>"##)
            }
        }
        for decade in Int(y0)...Int(y1) {
            for m in [1.0, 2, 5] where decade < Int(y1) || m == 1 {
                let y = m * pow(10, Double(decade))
                let Y = py(y)
                svg.append(##"<line x1="\##(f(left))" y1="\##(f(Y))" x2="\##(f(left + plotW))" y2="\##(f(Y))" stroke="\##(m == 1 ? "#ccc" : "#eee")"/>"##)
                svg.append(##"<text x="\##(f(left - 6))" y="\##(f(Y + 4))" text-anchor="end" fill="\##(m == 1 ? "#000" : "#888")">\##(secondsLabel(y))</text>"##)
            }
        }
        svg.append(##"<rect x="\##(f(left))" y="\##(f(top))" width="\##(f(plotW))" height="\##(f(plotH))" fill="none" stroke="#000"/>"##)
        svg.append(##"<text x="\##(f(left + plotW / 2))" y="\##(f(height - 14))" text-anchor="middle">pool size (items, log scale)</text>"##)
        svg.append(##"<text transform="translate(18 \##(f(top + plotH / 2))) rotate(-90)" text-anchor="middle">seconds (log scale)</text>"##)

        // Lines and markers.
        for s in series {
            let dash = s.dim == dims.first ? "" : ##" stroke-dasharray="7 4""##
            for (a, b) in zip(s.points, s.points.dropFirst()) {
                let style = b.extrapolated || a.extrapolated ? ##" stroke-dasharray="2 3""## : dash
                svg.append(##"<line x1="\##(f(px(a.x)))" y1="\##(f(py(a.y)))" x2="\##(f(px(b.x)))" y2="\##(f(py(b.y)))" stroke="\##(s.color)" stroke-width="2"\##(style)/>"##)
            }
            for p in s.points {
                let fill = p.extrapolated ? "white" : s.color
                let title = "<title>\(escape(s.name)), d = \(s.dim), \(Int(p.x)) items: \(secondsLabel(p.y))\(p.extrapolated ? " (extrapolated)" : "")</title>"
                if p.synthetic {
                    svg.append(##"<rect x="\##(f(px(p.x) - 4))" y="\##(f(py(p.y) - 4))" width="8" height="8" fill="\##(fill)" stroke="\##(s.color)" stroke-width="1.5">\##(title)</rect>"##)
                } else {
                    svg.append(##"<circle cx="\##(f(px(p.x)))" cy="\##(f(py(p.y)))" r="4" fill="\##(fill)" stroke="\##(s.color)" stroke-width="1.5">\##(title)</circle>"##)
                }
            }
        }

        // Legend.
        var ly = top + 8
        let lx = left + plotW + 18
        var names: [String] = []
        for s in series where !names.contains(s.name) { names.append(s.name) }
        for name in names {
            let color = series.first { $0.name == name }!.color
            svg.append(##"<line x1="\##(f(lx))" y1="\##(f(ly))" x2="\##(f(lx + 26))" y2="\##(f(ly))" stroke="\##(color)" stroke-width="3"/>"##)
            svg.append(##"<text x="\##(f(lx + 34))" y="\##(f(ly + 4))">\##(escape(name))</text>"##)
            ly += 19
        }
        ly += 8
        for (i, dim) in dims.enumerated() {
            let dash = i == 0 ? "" : ##" stroke-dasharray="7 4""##
            svg.append(##"<line x1="\##(f(lx))" y1="\##(f(ly))" x2="\##(f(lx + 26))" y2="\##(f(ly))" stroke="#000" stroke-width="2"\##(dash)/>"##)
            svg.append(##"<text x="\##(f(lx + 34))" y="\##(f(ly + 4))">d = \##(dim)</text>"##)
            ly += 19
        }
        svg.append(##"<line x1="\##(f(lx))" y1="\##(f(ly))" x2="\##(f(lx + 26))" y2="\##(f(ly))" stroke="#000" stroke-width="2" stroke-dasharray="2 3"/>"##)
        svg.append(##"<text x="\##(f(lx + 34))" y="\##(f(ly + 4))">to an extrapolated point</text>"##)
        ly += 23
        svg.append(##"<circle cx="\##(f(lx + 6))" cy="\##(f(ly))" r="4" fill="#000"/><text x="\##(f(lx + 34))" y="\##(f(ly + 4))">real data (debian-minilm)</text>"##)
        ly += 19
        svg.append(##"<rect x="\##(f(lx + 2))" y="\##(f(ly - 4))" width="8" height="8" fill="#000"/><text x="\##(f(lx + 34))" y="\##(f(ly + 4))">synthetic data</text>"##)
        ly += 19
        svg.append(##"<circle cx="\##(f(lx + 6))" cy="\##(f(ly))" r="4" fill="white" stroke="#000" stroke-width="1.5"/><text x="\##(f(lx + 34))" y="\##(f(ly + 4))">extrapolated (not run)</text>"##)
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    private static func count(_ x: Double) -> String {
        x >= 1_000_000 ? "\(Int(x / 1_000_000))M" : x >= 1000 ? "\(Int(x / 1000))k" : "\(Int(x))"
    }

    private static func secondsLabel(_ y: Double) -> String {
        if y >= 1 { return String(format: "%g s", y) }
        if y >= 0.001 { return String(format: "%g ms", y * 1000) }
        return String(format: "%g µs", y * 1e6)
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
