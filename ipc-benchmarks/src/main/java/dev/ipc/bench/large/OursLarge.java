package dev.ipc.bench.large;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * Our client on the Unix-socket transport with the default Noise suite: one-way messages
 * are raw payloads on a topic ({@code client.send(OutgoingMessage)}, no JSON), each
 * acknowledged by the host with a one-byte message; the RPC is {@link LargePayload}
 * echoed (its bytes travel base64 in the JSON envelope). Both sides allow 32 MiB messages
 * (a 16 MiB RPC body is about 21.4 MiB of JSON) and larger outbound queues than the
 * defaults (two 16 MiB messages in flight).
 */
final class OursLarge {

	static final Endpoint HOST = Endpoint.named("large-host");

	static final String TOPIC = "bench.large";

	static final String ACK = "bench.large.ack";

	private OursLarge() {
	}

	static SocketTransportOptions.Builder options(Endpoint self, Path socket, Role role) {
		return SocketTransportOptions.builder()
			.endpoint(self)
			.unixSocket(socket)
			.role(role)
			.outboundQueueCapacity(8192)
			.outboundQueueMaxBytes(128L * 1024 * 1024);
	}

	static void serve(Path socket) throws Exception {
		SocketTransport transport = SocketTransport.open(options(HOST, socket, Role.HOST).build());
		IpcClient client = IpcClient.builder()
			.backend(transport)
			.name("large-host")
			.maxMessageSize(LargeBench.MAX_MESSAGE)
			.directDispatch(true)
			.build();
		byte[] ack = { 1 };
		client.subscribe(TOPIC, message -> client.send(new OutgoingMessage(ack, message.source().toEndpoint(), ACK)));
		client.registerRpcHandler(LargePayload.class, (request, context) -> request);
		client.start();
		LargeBench.ready();
		Thread.sleep(Long.MAX_VALUE);
	}

	static final class Client implements LargeBench.System {

		private final SocketTransport transport;

		private final IpcClient client;

		private final Semaphore credits = new Semaphore(0);

		Client(Path socket) throws Exception {
			this.transport = SocketTransport.open(options(Endpoint.named("large-peer"), socket, Role.PEER).build());
			if (!transport.awaitConnected(Duration.ofSeconds(30))) {
				throw new IllegalStateException("not connected");
			}
			this.client = IpcClient.builder()
				.backend(transport)
				.name("large-peer")
				.maxMessageSize(LargeBench.MAX_MESSAGE)
				.directDispatch(true)
				.build();
			client.subscribe(ACK, message -> credits.release());
			client.start();
		}

		@Override
		public long oneWay(byte[] payload, int window, long nanos) throws Exception {
			credits.drainPermits();
			credits.release(window);
			long sent = 0;
			long end = System.nanoTime() + nanos;
			while (System.nanoTime() < end) {
				if (!credits.tryAcquire(30, TimeUnit.SECONDS)) {
					throw new IllegalStateException("no acknowledgement in 30 s");
				}
				client.send(new OutgoingMessage(payload, HOST, TOPIC));
				sent++;
			}
			if (!credits.tryAcquire(window, 60, TimeUnit.SECONDS)) {
				throw new IllegalStateException("not every message was acknowledged");
			}
			return sent;
		}

		@Override
		public void rpc(byte[] payload) throws Exception {
			LargePayload reply = client.request(new LargePayload(payload), HOST, Duration.ofSeconds(60))
				.get(60, TimeUnit.SECONDS);
			if (reply.data().length != payload.length) {
				throw new IllegalStateException("bad echo");
			}
		}

		@Override
		public void close() {
			client.close();
			transport.close();
		}

	}

}
