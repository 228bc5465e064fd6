import XCTest

/// `XCTAssertThrowsError` for an async expression: fails unless `expression` throws, and hands
/// the error to `errorHandler`.
package func XCTAssertThrowsErrorAsync<T>(
    _ expression: @autoclosure () async throws -> T, _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line, _ errorHandler: (_ error: any Error) -> Void = { _ in }
) async {
    do {
        _ = try await expression()
        XCTFail("XCTAssertThrowsErrorAsync failed: did not throw an error - \(message())", file: file, line: line)
    } catch {
        errorHandler(error)
    }
}
