import Foundation

/// A tick on an axis: its value, its label, and whether it is major (a decade of a logarithmic
/// axis) or minor.
package struct Tick: Sendable, Equatable {
    /// Where the tick is, in data values.
    package var value: Double
    /// What it says.
    package var label: String
    /// Major ticks are drawn stronger than minor ones.
    package var isMajor: Bool

    /// A tick at `value` saying `label`.
    package init(value: Double, label: String, isMajor: Bool = true) {
        self.value = value
        self.label = label
        self.isMajor = isMajor
    }

    /// About five round ticks (steps of 1, 2, 2.5 or 5 × 10ⁿ) over `range`, labelled by `label`;
    /// none over an empty or infinite range.
    package static func round(over range: ClosedRange<Double>, label: (Double) -> String = number) -> [Tick] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [] }
        let raw = span / 5, magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        return stride(from: ceil(range.lowerBound / step) * step, through: range.upperBound + step * 1e-9, by: step)
            .map { Tick(value: $0, label: label($0)) }
    }

    /// Ticks at 1, 2 and 5 × 10ⁿ over the decades of logarithmic `scale`, labelled by `label`; the
    /// decades are major.
    package static func decades(of scale: Scale, label: (Double) -> String) -> [Tick] {
        let first = Int(scale.domain.lowerBound), last = Int(scale.domain.upperBound)
        return (first...last).flatMap { decade in
            [1.0, 2, 5].filter { decade < last || $0 == 1 }.map { m in
                let value = m * pow(10, Double(decade))
                return Tick(value: value, label: label(value), isMajor: m == 1)
            }
        }
    }

    /// A tick label: an integer with thousands separators, or three significant digits.
    package static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? SVGText.grouped(Int(value)) : String(format: "%.3g", value)
    }
}
