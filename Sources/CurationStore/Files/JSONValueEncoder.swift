/// Encodes an `Encodable` value as a `JSONValue`, so that the results the CLI prints are
/// `Encodable` types, written with `JSONValue`'s one serialization (sorted keys, shortest
/// round-trip numbers).
///
/// Unlike `JSONEncoder`, a nil optional member is written as `null`, not left out: a result's
/// keys are the same whichever values are missing.
///
/// ```swift
/// print(try JSONValue(encoding: summary).serialized())
/// ```
extension JSONValue {
    /// `value` as JSON.
    /// - Throws: `EncodingError.invalidValue` when `value` encodes nothing, or a top-level
    ///   container twice.
    public init(encoding value: some Encodable) throws {
        let root = JSONNode()
        try value.encode(to: JSONNodeEncoder(node: root, codingPath: []))
        guard let encoded = root.value else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "the value encoded nothing"))
        }
        self = encoded
    }
}

/// A value being built: a leaf, or an object or array whose members are nodes still being filled.
/// Members and elements are stored in place, so adding one costs O(1) however large the value.
private final class JSONNode {
    enum Kind { case empty, leaf, object, array }

    /// What the node is; an object or array keeps its members when asked for again.
    var kind = Kind.empty
    private var leaf = JSONValue.null
    /// By key: a key given twice keeps its last value; `JSONObject` orders the keys.
    private var members: [String: JSONNode] = [:]
    private var elements: [JSONNode] = []

    var value: JSONValue? {
        switch kind {
        case .empty: nil
        case .leaf: leaf
        case .object: .object(JSONObject(members.map { (key: $0.key, value: $0.value.value ?? .null) }))
        case .array: .array(elements.map { $0.value ?? .null })
        }
    }

    func setLeaf(_ value: JSONValue) {
        kind = .leaf
        leaf = value
    }

    func member(_ key: String) -> JSONNode {
        let node = JSONNode()
        members[key] = node
        return node
    }

    func element() -> JSONNode {
        let node = JSONNode()
        elements.append(node)
        return node
    }

    var count: Int { kind == .object ? members.count : elements.count }
}

private struct JSONNodeEncoder: Encoder {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.kind = .object
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.kind = .array
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(node: node, codingPath: codingPath)
    }
}

/// `value` as a leaf when it is a JSON scalar, else encoded through `encoder`.
private func encodeJSON(_ value: some Encodable, into node: JSONNode, codingPath: [any CodingKey]) throws {
    switch value {
    case let text as String: node.setLeaf(.string(text))
    case let flag as Bool: node.setLeaf(.bool(flag))
    case let number as Int: node.setLeaf(.integer(number))
    case let number as Double: node.setLeaf(.number(number))
    case let json as JSONValue: node.setLeaf(json)
    default: try value.encode(to: JSONNodeEncoder(node: node, codingPath: codingPath))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).setLeaf(.null) }

    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        try encodeJSON(value, into: node.member(key.stringValue), codingPath: codingPath + [key])
    }

    // A nil optional is written as null (the synthesized conformances call these).
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try encodeOrNull(value, key) }

    private mutating func encodeOrNull(_ value: (some Encodable)?, _ key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                         forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        JSONNodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        JSONNodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        JSONNodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var count: Int { node.count }

    mutating func encodeNil() throws { node.element().setLeaf(.null) }

    mutating func encode(_ value: some Encodable) throws {
        try encodeJSON(value, into: node.element(), codingPath: codingPath)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        JSONNodeEncoder(node: node.element(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONNodeEncoder(node: node.element(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { JSONNodeEncoder(node: node.element(), codingPath: codingPath) }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.setLeaf(.null) }

    mutating func encode(_ value: some Encodable) throws {
        try encodeJSON(value, into: node, codingPath: codingPath)
    }
}
