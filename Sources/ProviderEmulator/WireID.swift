/// Random identifiers in the providers' styles (`msgbatch_...`, `req_...`, `toolu_...`).
enum WireID {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `prefix` followed by `length` random base-62 characters (ten per 64-bit random draw).
    static func make(_ prefix: String, length: Int = 24) -> String {
        var generator = SystemRandomNumberGenerator()
        var body: [UInt8] = []
        body.reserveCapacity(length)
        while body.count < length {
            var draw = generator.next()
            for _ in 0..<min(10, length - body.count) {
                body.append(alphabet[Int(draw % 62)])
                draw /= 62
            }
        }
        return prefix + String(decoding: body, as: UTF8.self)
    }
}
