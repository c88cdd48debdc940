package dev.ipc.bench.large;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

/**
 * gRPC-java over Netty epoll on a Unix domain socket: one unary echo method with a
 * byte-array marshaller, plaintext, {@code directExecutor()}, gRPC's default 4 MiB
 * inbound message limit (so only the sizes up to 4 MiB are measured). Calls only (no
 * one-way).
 */
final class GrpcLarge {

	static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
		@Override
		public InputStream stream(byte[] value) {
			return new ByteArrayInputStream(value);
		}

		@Override
		public byte[] parse(InputStream stream) {
			try {
				return stream.readAllBytes();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
	};

	static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
		.setType(MethodDescriptor.MethodType.UNARY)
		.setFullMethodName("bench.Large/Echo")
		.setRequestMarshaller(BYTES)
		.setResponseMarshaller(BYTES)
		.build();

	/** gRPC's default inbound message limit. */
	static final int LIMIT = 4 * 1024 * 1024;

	private GrpcLarge() {
	}

	static EventLoopGroup group() {
		return new MultiThreadIoEventLoopGroup(1, new io.netty.util.concurrent.DefaultThreadFactory("grpc-large", true),
				EpollIoHandler.newFactory());
	}

	static void serve(Path socket) throws Exception {
		Files.deleteIfExists(socket);
		ServerServiceDefinition service = ServerServiceDefinition.builder("bench.Large")
			.addMethod(ECHO, ServerCalls.asyncUnaryCall((byte[] request, StreamObserver<byte[]> response) -> {
				response.onNext(request);
				response.onCompleted();
			}))
			.build();
		Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
			.channelType(EpollServerDomainSocketChannel.class)
			.bossEventLoopGroup(group())
			.workerEventLoopGroup(group())
			.directExecutor()
			.addService(service)
			.build()
			.start();
		LargeBench.ready();
		server.awaitTermination();
	}

	static final class Client implements LargeBench.System {

		private final EventLoopGroup group = group();

		private final ManagedChannel channel;

		Client(Path socket) {
			this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
				.channelType(EpollDomainSocketChannel.class)
				.eventLoopGroup(group)
				.usePlaintext()
				.directExecutor()
				.build();
		}

		@Override
		public long oneWay(byte[] payload, int window, long nanos) {
			return -1;
		}

		@Override
		public void rpc(byte[] payload) {
			byte[] reply = ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, payload);
			if (reply.length != payload.length) {
				throw new IllegalStateException("bad echo");
			}
		}

		@Override
		public void close() throws InterruptedException {
			channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
			group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
		}

	}

}
