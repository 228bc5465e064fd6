/// A value an SVG attribute can hold.
package protocol SVGValue {
    /// The attribute's text, unescaped.
    var svgText: String { get }
}

extension Double: SVGValue {
    /// A coordinate or length in pixels: one decimal.
    package var svgText: String { SVGText.fixed(self, 1) }
}

extension Int: SVGValue {
    /// The integer in decimal.
    package var svgText: String { String(self) }
}

extension String: SVGValue {
    /// The string itself.
    package var svgText: String { self }
}

/// The attributes that style an element, written before its geometry: a CSS class that a page's
/// stylesheet defines, or presentation attributes (`fill`, `stroke`, …) for a standalone file.
///
/// ```swift
/// let themed: SVGStyle = .cssClass("bar accent")
/// let inline: SVGStyle = ["fill": "none", "stroke": "#1f77b4"]
/// ```
package struct SVGStyle: Sendable, ExpressibleByDictionaryLiteral {
    /// Attribute names and values, in the order written.
    package var attributes: [(name: String, value: String)]

    /// A style of `elements`, in this order.
    package init(dictionaryLiteral elements: (String, String)...) {
        attributes = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The style of CSS class `name`.
    package static func cssClass(_ name: String) -> SVGStyle { ["class": name] }
}

/// SVG markup: every attribute value and every text is escaped (`SVGText.escape`), so text from
/// user data cannot open an element.
package enum SVG {
    /// `<name …/>` with `style`'s attributes, then `attributes`; with `text` or `title`, an element
    /// holding that text and then a `<title>` child (hover text).
    ///
    /// ```swift
    /// SVG.element("circle", .cssClass("dot"), ["cx": 10.0, "cy": 20.0, "r": 3], title: "a & b")
    /// // <circle class="dot" cx="10.0" cy="20.0" r="3"><title>a &amp; b</title></circle>
    /// ```
    package static func element(_ name: String, _ style: SVGStyle = [:], _ attributes: KeyValuePairs<String, any SVGValue>,
                               text: String? = nil, title: String? = nil) -> String {
        guard text != nil || title != nil else { return tag(name, style, attributes) + "/>" }
        return tag(name, style, attributes) + ">" + SVGText.escape(text ?? "")
            + (title.map { "<title>" + SVGText.escape($0) + "</title>" } ?? "") + "</" + name + ">"
    }

    /// The opening tag `<name …>` of an element whose content and end tag the caller writes.
    package static func open(_ name: String, _ style: SVGStyle, _ attributes: KeyValuePairs<String, any SVGValue>) -> String {
        tag(name, style, attributes) + ">"
    }

    /// A `<polyline>` through `points`, pixel coordinates.
    package static func polyline(_ points: [(x: Double, y: Double)], _ style: SVGStyle) -> String {
        element("polyline", style, ["points": points.map { $0.x.svgText + "," + $0.y.svgText }.joined(separator: " ")])
    }

    private static func tag(_ name: String, _ style: SVGStyle, _ attributes: KeyValuePairs<String, any SVGValue>) -> String {
        var tag = "<" + name
        for (attribute, value) in style.attributes { tag += " " + attribute + "=\"" + SVGText.escape(value) + "\"" }
        for (attribute, value) in attributes { tag += " " + attribute + "=\"" + SVGText.escape(value.svgText) + "\"" }
        return tag
    }
}
