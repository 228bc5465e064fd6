/// What the emulator has seen since it started (or since its stats were last reset).
public struct EmulatorStats: Sendable, Codable, Equatable {
    /// Every HTTP request received on a provider route, by `EmulatorRoute` raw value (admin
    /// requests and unknown paths are not counted).
    public var requestsByRoute: [String: Int]
    /// Requests a fault applied to (status, dropped connection or response, truncation, delay).
    public var faultsServed: Int
    /// Message batches created.
    public var batchesCreated: Int
    /// How many times each `custom_id` was accepted: per request of a created batch, and per
    /// chat completion that was processed (an injected status or a dropped connection comes
    /// before processing and does not count; `dropResponse` does). Proves that each cluster
    /// reached the provider at most once.
    public var submissionsByCustomID: [String: Int]
    /// Texts embedded.
    public var embeddedInputs: Int
    /// Total deliberate delay in seconds the emulator added: each created batch's
    /// `processingDelay`, plus request delays and `delay` faults as they were slept.
    public var processingSeconds: Double

    /// Empty stats.
    public init(requestsByRoute: [String: Int] = [:], faultsServed: Int = 0, batchesCreated: Int = 0,
                submissionsByCustomID: [String: Int] = [:], embeddedInputs: Int = 0, processingSeconds: Double = 0) {
        self.requestsByRoute = requestsByRoute
        self.faultsServed = faultsServed
        self.batchesCreated = batchesCreated
        self.submissionsByCustomID = submissionsByCustomID
        self.embeddedInputs = embeddedInputs
        self.processingSeconds = processingSeconds
    }
}
