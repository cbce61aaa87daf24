import NIOCore
import NIOPosix
import Synchronization

/// A loopback TCP proxy in front of the hub that counts every byte in each direction, so the
/// scenarios report what really crosses the wire: HTTP request and status lines, headers and bodies.
final class ByteCountingProxy: Sendable {
    /// Bytes from the agent to the hub, and from the hub to the agent.
    final class Counters: Sendable {
        let sent = Atomic<Int>(0)
        let received = Atomic<Int>(0)
        let connections = Atomic<Int>(0)
        var snapshot: (sent: Int, received: Int) { (sent.load(ordering: .relaxed), received.load(ordering: .relaxed)) }
    }

    let counters = Counters()
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    init(targetPort: Int) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let counters = self.counters
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                counters.connections.add(1, ordering: .relaxed)
                return ClientBootstrap(group: inbound.eventLoop).connect(host: "127.0.0.1", port: targetPort)
                    .flatMapThrowing { outbound in
                        let (toHub, toAgent) = Glue.pair(counters)
                        try inbound.pipeline.syncOperations.addHandler(toHub)
                        try outbound.pipeline.syncOperations.addHandler(toAgent)
                        inbound.setOption(.autoRead, value: true).whenComplete { _ in }
                    }
            }
        self.group = group
        self.channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        self.port = channel.localAddress?.port ?? 0
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// One side of a proxied connection: what it reads is counted and written to the other side.
private final class Glue: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: Glue?
    private var context: ChannelHandlerContext?
    private let count: (Int) -> Void

    private init(count: @escaping (Int) -> Void) { self.count = count }

    /// The handler for the agent's side (counts what the agent sends) and for the hub's side.
    static func pair(_ counters: ByteCountingProxy.Counters) -> (Glue, Glue) {
        let fromAgent = Glue { counters.sent.add($0, ordering: .relaxed) }
        let fromHub = Glue { counters.received.add($0, ordering: .relaxed) }
        fromAgent.partner = fromHub
        fromHub.partner = fromAgent
        return (fromAgent, fromHub)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        count(buffer.readableBytes)
        partner?.context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) { partner?.context?.flush() }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.context?.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
