import Foundation

/// How an axis places values along its length: linearly, or by their base-10 logarithm.
///
/// ```swift
/// Scale.linear(0...10).fraction(5)                  // 0.5
/// Scale.decades(covering: 300...40_000).fraction(1000)   // 0.333…: 10² to 10⁵
/// ```
package struct Scale: Sendable, Equatable {
    /// The axis's two ends: values, or for a logarithmic scale their base-10 logarithms.
    package let domain: ClosedRange<Double>
    /// Whether values are placed by their base-10 logarithm.
    package let isLogarithmic: Bool

    /// A linear scale over `domain`; a single value is widened by 1 on both sides.
    package static func linear(_ domain: ClosedRange<Double>) -> Scale {
        let widened = domain.lowerBound < domain.upperBound ? domain : (domain.lowerBound - 1)...(domain.upperBound + 1)
        return Scale(domain: widened, isLogarithmic: false)
    }

    /// A logarithmic scale over the whole decades that cover `values` (positive), at least one.
    package static func decades(covering values: ClosedRange<Double>) -> Scale {
        let lower = floor(log10(values.lowerBound))
        return Scale(domain: lower...max(ceil(log10(values.upperBound)), lower + 1), isLogarithmic: true)
    }

    /// Where `value` falls: 0 at the domain's lower end, 1 at its upper end.
    package func fraction(_ value: Double) -> Double {
        ((isLogarithmic ? log10(value) : value) - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
    }
}
