package dev.ipc.spring.boot.autoconfigure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.LinkedHashSet;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spring.boot.autoconfigure.IpcProperties.Transport;
import dev.ipc.spring.boot.autoconfigure.IpcProperties.TransportType;
import dev.ipc.transport.memory.InMemoryBus;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * The transport ({@link CommunicationBackend}) selected by {@code ipc.transport.type}.
 * Each type has one factory method below.
 *
 * @author IPC contributors
 */
@Configuration(proxyBeanMethods = false)
class IpcTransportConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@Conditional(OnInMemoryTransportCondition.class)
	InMemoryBus ipcInMemoryBus() {
		return new InMemoryBus();
	}

	@Bean
	@ConditionalOnMissingBean
	CommunicationBackend ipcCommunicationBackend(IpcProperties properties,
			@Qualifier(IpcAutoConfiguration.LOCAL_ENDPOINT_BEAN_NAME) Endpoint localEndpoint,
			ObjectProvider<InMemoryBus> bus, ObjectProvider<IpcEventListener> listeners) {
		Transport transport = properties.transport();
		checkNetworkExposure(transport);
		return switch (transport.type()) {
			case IN_MEMORY -> inMemoryBackend(bus.getIfUnique(InMemoryBus::new), localEndpoint);
			case UNIX ->
				socketBackend(socketOptions(transport, localEndpoint, listeners).unixSocket(socketPath(transport)),
						"ipc.transport.path");
			case TCP ->
				socketBackend(socketOptions(transport, localEndpoint, listeners).tcp(transport.host(), transport.port())
					.allowNonLoopback(transport.allowNonLoopback()), "ipc.transport.port");
			case NATS -> throw new IpcConfigurationException("ipc.transport.type",
					"ipc.transport.type=nats needs the NATS backend, which is not on the class path",
					"Add the dependency dev.ipc:ipc-nats (its auto-configuration provides the backend)");
		};
	}

	/**
	 * {@code ipc.transport.type=in-memory}: connects to the {@link InMemoryBus} bean
	 * (define one in a parent context, or share one instance between contexts, to let
	 * several clients talk). Inside one JVM every client runs as the same OS user, so a
	 * named endpoint's source carries that user as verified.
	 */
	static CommunicationBackend inMemoryBackend(InMemoryBus bus, Endpoint localEndpoint) {
		if (localEndpoint instanceof Endpoint.Named named) {
			return bus.connect(new Source.Named(named.name(), System.getProperty("user.name")));
		}
		return bus.connect(localEndpoint);
	}

	/**
	 * The socket transport options common to Unix sockets and TCP, mapped from
	 * {@code ipc.transport.*}.
	 */
	static SocketTransportOptions.Builder socketOptions(Transport transport, Endpoint localEndpoint,
			ObjectProvider<IpcEventListener> listeners) {
		return SocketTransportOptions.builder().endpoint(localEndpoint).role(switch (transport.role()) {
			case AUTO -> Role.AUTO;
			case HOST -> Role.HOST;
			case PEER -> Role.PEER;
		})
			.maxFrameBytes((int) Math.min(Integer.MAX_VALUE, transport.maxFrameSize().toBytes()))
			.outboundQueueCapacity(transport.outboundQueueCapacity())
			.maxConnections(transport.maxConnections())
			.maxPendingConnections(transport.maxPendingConnections())
			.maxConnectionsPerUser(transport.maxConnectionsPerUser())
			.maxPendingPerUser(transport.maxPendingPerUser())
			.idleEvictionAfter(transport.idleEvictionAfter())
			.initialBackoff(transport.reconnect().initialBackoff())
			.maxBackoff(transport.reconnect().maxBackoff())
			.allowedUsers(new LinkedHashSet<>(transport.allowedUsers()))
			.listener(new TransportDropReporter(listeners));
	}

	/**
	 * {@code ipc.transport.type=unix|tcp}: opens the socket transport (a host binds
	 * before this returns; a peer keeps reconnecting in the background). The backend is
	 * closed with the context.
	 */
	static CommunicationBackend socketBackend(SocketTransportOptions.Builder options, String addressProperty) {
		SocketTransportOptions built;
		try {
			built = options.build();
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			throw new IpcConfigurationException("ipc.transport",
					"the socket transport settings are invalid: " + ex.getMessage(),
					"Fix the ipc.transport.* property named in the message");
		}
		try {
			return SocketTransport.open(built);
		}
		catch (IOException ex) {
			throw new IpcConfigurationException(addressProperty,
					"the socket transport could not be opened: " + ex.getMessage(),
					"Check " + addressProperty + " (is another process using it, or is the directory not writable?)");
		}
	}

	/**
	 * The Unix socket file: {@code ipc.transport.path}, else
	 * {@code $XDG_RUNTIME_DIR/dev.ipc/ipc.sock}, else
	 * {@code ${java.io.tmpdir}/dev.ipc-${user.name}/ipc.sock}. Every process of one user
	 * agrees on the default.
	 */
	static Path socketPath(Transport transport) {
		if (transport.path() != null) {
			return transport.path();
		}
		String runtimeDir = System.getenv("XDG_RUNTIME_DIR");
		if (StringUtils.hasText(runtimeDir)) {
			return Path.of(runtimeDir, "dev.ipc", "ipc.sock");
		}
		return Path.of(System.getProperty("java.io.tmpdir"), "dev.ipc-" + System.getProperty("user.name"), "ipc.sock");
	}

	/**
	 * TCP on a non-loopback address must be allowed explicitly: Noise encrypts but does
	 * not authenticate peers.
	 */
	static void checkNetworkExposure(Transport transport) {
		if (transport.type() != TransportType.TCP || transport.allowNonLoopback()) {
			return;
		}
		InetAddress address;
		try {
			address = InetAddress.getByName(transport.host());
		}
		catch (UnknownHostException ex) {
			throw new IpcConfigurationException("ipc.transport.host", "'" + transport.host() + "' cannot be resolved",
					"Set ipc.transport.host to a loopback address such as 127.0.0.1");
		}
		if (!address.isLoopbackAddress()) {
			throw new IpcConfigurationException("ipc.transport.host",
					"ipc.transport.type=tcp uses the non-loopback address " + transport.host()
							+ ", which lets other machines connect, and Noise does not authenticate peers",
					"Set ipc.transport.host to a loopback address such as 127.0.0.1, or set "
							+ "ipc.transport.allow-non-loopback=true if this is intended and the network is trusted");
		}
	}

}
