import Foundation
import NIOCore

/// The admin endpoints, for the executable and cross-process tests:
/// `GET /_emulator/stats` (`EmulatorStats`), `POST /_emulator/faults` (a JSON array of
/// `EmulatorFault`, appended), `POST /_emulator/outcomes` (a JSON array of
/// `EmulatorOutcomeRule`, replacing the rules) and `POST /_emulator/reset-stats`.
extension EmulatorCore {
    func admin(_ request: WireRequest) -> WireReply {
        do {
            switch (request.head.method, request.path) {
            case (.GET, "/_emulator/stats"):
                return Self.encoded(state.withLock { $0.stats })
            case (.POST, "/_emulator/faults"):
                inject(try request.decode([EmulatorFault].self))
            case (.POST, "/_emulator/outcomes"):
                setOutcomes(try request.decode([EmulatorOutcomeRule].self))
            case (.POST, "/_emulator/reset-stats"):
                resetStats()
            default:
                return .json(["error": .string("no admin route \(request.head.method.rawValue) \(request.path)")],
                             status: .notFound)
            }
            return .json(["ok": true])
        } catch {
            return .json(["error": .string("invalid body: \(Self.describe(error))")], status: .badRequest)
        }
    }

    /// Appends `faults` to the queue.
    func inject(_ faults: [EmulatorFault]) {
        state.withLock { $0.faults += faults }
    }

    /// Replaces the outcome rules and restarts the chat completion count of `everyKth`.
    func setOutcomes(_ rules: [EmulatorOutcomeRule]) {
        state.withLock { state in
            state.rules = rules
            state.chatOrdinal = 0
        }
    }

    /// Zeroes the stats.
    func resetStats() {
        state.withLock { $0.stats = EmulatorStats() }
    }

    private static func encoded(_ value: some Encodable) -> WireReply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return WireReply(status: .ok, headers: ["content-type": "application/json"], body: ByteBuffer(bytes: data))
    }
}
