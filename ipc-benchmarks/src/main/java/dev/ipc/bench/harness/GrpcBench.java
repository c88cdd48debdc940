package dev.ipc.bench.harness;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

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
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

import dev.ipc.bench.Payloads;

/**
 * gRPC-java over Netty (epoll), on a Unix domain socket or TCP loopback: one unary echo
 * method with a byte-array marshaller (no code generation, no protobuf), plaintext,
 * {@code directExecutor()} on both sides (gRPC's fastest configuration: no thread
 * hand-off to an application executor), one event-loop thread per side.
 */
final class GrpcBench {

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
		.setFullMethodName("bench.Echo/Echo")
		.setRequestMarshaller(BYTES)
		.setResponseMarshaller(BYTES)
		.build();

	private GrpcBench() {
	}

	static EventLoopGroup group(String name) {
		return new MultiThreadIoEventLoopGroup(1, new io.netty.util.concurrent.DefaultThreadFactory(name, true),
				EpollIoHandler.newFactory());
	}

	// ------------------------------------------------------------------ server

	static void serve(String transport, Path dir) throws Exception {
		ServerServiceDefinition service = ServerServiceDefinition.builder("bench.Echo")
			.addMethod(ECHO, ServerCalls.asyncUnaryCall((byte[] request, StreamObserver<byte[]> response) -> {
				response.onNext(request);
				response.onCompleted();
			}))
			.build();
		EventLoopGroup boss = group("grpc-boss");
		EventLoopGroup worker = group("grpc-worker");
		NettyServerBuilder builder;
		String address;
		Path socket = dir.resolve("grpc.sock");
		if (transport.equals("uds")) {
			Files.deleteIfExists(socket);
			builder = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
				.channelType(EpollServerDomainSocketChannel.class);
			address = "unix:" + socket;
		}
		else {
			builder = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
				.channelType(EpollServerSocketChannel.class);
			address = null;
		}
		Server server = builder.bossEventLoopGroup(boss)
			.workerEventLoopGroup(worker)
			.directExecutor()
			.addService(service)
			.build()
			.start();
		if (address == null) {
			address = "tcp:127.0.0.1:" + server.getPort();
		}
		Roles.ready(address);
		Roles.exitWhenStdinCloses(() -> {
			server.shutdownNow();
			Files.deleteIfExists(socket);
		});
		server.awaitTermination();
	}

	// ------------------------------------------------------------------ client

	static final class Client implements BenchClient {

		private final String address;

		private final EventLoopGroup group = group("grpc-client");

		private final ManagedChannel channel;

		Client(String address) {
			this.address = address;
			this.channel = channel();
		}

		private ManagedChannel channel() {
			NettyChannelBuilder builder;
			if (address.startsWith("unix:")) {
				builder = NettyChannelBuilder.forAddress(new DomainSocketAddress(address.substring(5)))
					.channelType(EpollDomainSocketChannel.class);
			}
			else {
				String[] hostPort = address.substring(4).split(":");
				builder = NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1]))
					.channelType(EpollSocketChannel.class);
			}
			return builder.eventLoopGroup(group).usePlaintext().directExecutor().build();
		}

		@Override
		public long[] roundTrips(int size, long nanos) {
			byte[] payload = Payloads.json(size);
			LongList samples = new LongList();
			long end = System.nanoTime() + nanos;
			long now;
			do {
				long start = System.nanoTime();
				byte[] reply = ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, payload);
				now = System.nanoTime();
				if (reply.length != payload.length) {
					throw new IllegalStateException("bad echo");
				}
				samples.add(now - start);
			}
			while (now < end);
			return samples.toArray();
		}

		@Override
		public double callsPerSecond(int size, int inflight, long nanos) throws Exception {
			byte[] payload = Payloads.json(size);
			Semaphore window = new Semaphore(inflight);
			AtomicLong completed = new AtomicLong();
			AtomicReference<Throwable> failure = new AtomicReference<>();
			StreamObserver<byte[]> observer = new StreamObserver<>() {
				@Override
				public void onNext(byte[] value) {
				}

				@Override
				public void onError(Throwable t) {
					failure.set(t);
					window.release();
				}

				@Override
				public void onCompleted() {
					completed.incrementAndGet();
					window.release();
				}
			};
			long start = System.nanoTime();
			long end = start + nanos;
			while (System.nanoTime() < end) {
				if (window.tryAcquire(10, TimeUnit.MILLISECONDS)) {
					ClientCalls.asyncUnaryCall(channel.newCall(ECHO, CallOptions.DEFAULT), payload, observer);
				}
			}
			long done = completed.get();
			long elapsed = System.nanoTime() - start;
			window.acquire(inflight);
			if (failure.get() != null) {
				throw new IllegalStateException("gRPC call failed", failure.get());
			}
			return done * 1e9 / elapsed;
		}

		@Override
		public double messagesPerSecond(int size, long nanos) {
			return Double.NaN;
		}

		@Override
		public long[] connects(int count) throws InterruptedException {
			byte[] payload = Payloads.json(Payloads.SIZES[0]);
			long[] samples = new long[count];
			for (int i = 0; i < count; i++) {
				long start = System.nanoTime();
				ManagedChannel fresh = channel();
				ClientCalls.blockingUnaryCall(fresh, ECHO, CallOptions.DEFAULT, payload);
				samples[i] = System.nanoTime() - start;
				fresh.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
			}
			return samples;
		}

		@Override
		public void close() throws InterruptedException {
			channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
			group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
		}

	}

}
