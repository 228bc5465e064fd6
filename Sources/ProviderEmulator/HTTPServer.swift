import NIOCore
import NIOHTTP1
import NIOPosix

/// The NIO side: an HTTP/1.1 server on 127.0.0.1 that reads each request whole (keep-alive,
/// one request at a time per connection), lets `EmulatorCore` answer it and writes the answer,
/// streaming long bodies with back-pressure.
enum HTTPServer {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    /// Accepted channels, wrapped into a `Connection` only once a task serves them: a connection
    /// that arrives while the server stops is dropped unserved, and a wrapped `NIOAsyncChannel`
    /// dropped that way would trap ("deinited NIOAsyncWriter without calling finish()").
    typealias Listener = NIOAsyncChannel<any Channel, Never>

    /// The size of the pieces a streamed body is written in.
    static let streamPieceBytes = 256 << 10

    /// A listening socket on 127.0.0.1:`port` (0: an ephemeral port).
    static func listen(port: Int) async throws -> Listener {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // Nothing is read before `serve` wraps the channel (reads would bypass its handlers).
            .childChannelOption(.autoRead, value: false)
            .bind(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return channel
                }
            }
    }

    /// Serves every connection of `listener` until the calling task is cancelled, which also
    /// closes the open connections.
    static func run(_ listener: Listener, core: EmulatorCore) async {
        try? await listener.executeThenClose { connections in
            try await withThrowingDiscardingTaskGroup { group in
                for try await channel in connections {
                    group.addTask {
                        await withTaskCancellationHandler {
                            let wrapped = try? await channel.eventLoop.submit { try Connection(wrappingChannelSynchronously: channel) }.get()
                            guard let connection = wrapped else { return channel.close(promise: nil) }
                            await serve(connection, core: core)
                        } onCancel: {
                            channel.close(promise: nil)
                        }
                    }
                }
            }
        }
    }

    /// Reads requests from one connection and answers them until it closes.
    private static func serve(_ connection: Connection, core: EmulatorCore) async {
        let channel = connection.channel
        try? await connection.executeThenClose { parts, _ in
            try await channel.setOption(ChannelOptions.autoRead, value: true).get()
            var head: HTTPRequestHead?
            var body = channel.allocator.buffer(capacity: 0)
            var limit = 0
            var tooLarge = false
            for try await part in parts {
                switch part {
                case let .head(next):
                    head = next
                    limit = core.bodyLimit(for: next)
                    tooLarge = false
                    let expected = next.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
                    body = channel.allocator.buffer(capacity: min(max(expected, 0), limit))
                    if next.headers.first(name: "expect")?.lowercased() == "100-continue" {
                        let interim = HTTPResponseHead(version: next.version, status: .continue)
                        try await channel.writeAndFlush(HTTPServerResponsePart.head(interim)).get()
                    }
                case let .body(chunk):
                    if tooLarge || body.readableBytes + chunk.readableBytes > limit {
                        tooLarge = true
                        body.clear()
                    } else {
                        body.writeImmutableBuffer(chunk)
                    }
                case .end:
                    guard let requestHead = head else { continue }
                    head = nil
                    let request = WireRequest(head: requestHead, body: body, bodyTooLarge: tooLarge)
                    body = channel.allocator.buffer(capacity: 0)
                    guard case let .reply(reply) = await core.respond(to: request) else { return }
                    guard try await send(reply, to: requestHead, on: channel) else { return }
                }
            }
        }
    }

    /// Writes `reply`, waiting for each piece to be written.
    /// - Returns: whether the connection stays open for another request.
    private static func send(_ reply: WireReply, to request: HTTPRequestHead, on channel: any Channel) async throws -> Bool {
        var headers = reply.headers
        headers.replaceOrAdd(name: "connection", value: request.isKeepAlive ? "keep-alive" : "close")
        switch reply.delivery {
        case .whole:
            headers.replaceOrAdd(name: "content-length", value: String(reply.body.readableBytes))
            channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: request.version, status: reply.status,
                                                                        headers: headers)), promise: nil)
            channel.write(HTTPServerResponsePart.body(.byteBuffer(reply.body)), promise: nil)
            try await channel.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
            return request.isKeepAlive
        case let .stream(cutAfter, cleanEnd):
            headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
            let head = HTTPResponseHead(version: request.version, status: reply.status, headers: headers)
            try await channel.writeAndFlush(HTTPServerResponsePart.head(head)).get()
            var rest = reply.body.getSlice(at: reply.body.readerIndex,
                                           length: min(cutAfter ?? .max, reply.body.readableBytes)) ?? reply.body
            while let piece = rest.readSlice(length: min(streamPieceBytes, rest.readableBytes)), piece.readableBytes > 0 {
                try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(piece))).get()
            }
            if cutAfter != nil && !cleanEnd { return false }
            try await channel.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
            return request.isKeepAlive
        case let .repeating(limit):
            headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
            let head = HTTPResponseHead(version: request.version, status: reply.status, headers: headers)
            try await channel.writeAndFlush(HTTPServerResponsePart.head(head)).get()
            var sent = 0
            while sent < limit && reply.body.readableBytes > 0 {
                try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(reply.body))).get()
                sent += reply.body.readableBytes
            }
            return false
        }
    }
}
