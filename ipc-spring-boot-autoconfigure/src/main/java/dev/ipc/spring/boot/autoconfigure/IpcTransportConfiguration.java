package dev.ipc.spring.boot.autoconfigure;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spring.boot.autoconfigure.IpcProperties.Transport;
import dev.ipc.spring.boot.autoconfigure.IpcProperties.TransportType;
import dev.ipc.transport.memory.InMemoryBus;

/**
 * The transport ({@link CommunicationBackend}) selected by {@code ipc.transport.type}. Each type has one factory
 * method below.
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
			ObjectProvider<InMemoryBus> bus) {
		Transport transport = properties.transport();
		checkNetworkExposure(transport);
		return switch (transport.type()) {
			case IN_MEMORY -> inMemoryBackend(bus.getIfUnique(InMemoryBus::new), localEndpoint);
			case UNIX -> unixSocketBackend(transport, localEndpoint);
			case TCP -> tcpBackend(transport, localEndpoint);
		};
	}

	/**
	 * {@code ipc.transport.type=in-memory}: connects to the {@link InMemoryBus} bean (define one in a parent context,
	 * or share one instance between contexts, to let several clients talk). Inside one JVM every client runs as the
	 * same OS user, so a named endpoint's source carries that user as verified.
	 */
	static CommunicationBackend inMemoryBackend(InMemoryBus bus, Endpoint localEndpoint) {
		if (localEndpoint instanceof Endpoint.Named named) {
			return bus.connect(new Source.Named(named.name(), System.getProperty("user.name")));
		}
		return bus.connect(localEndpoint);
	}

	// ------------------------------------------------------------------------------------------------------------
	// LEAD: fill in when dev.ipc.transport.socket is merged. Options to map from `transport`: role() (AUTO | HOST |
	// PEER), socketPath(transport), maxFrameSize(), outboundQueueCapacity(), reconnect() (initialBackoff, maxBackoff,
	// multiplier), allowedUsers(). The backend is closed with the context (CommunicationBackend is AutoCloseable).
	// ------------------------------------------------------------------------------------------------------------

	/** {@code ipc.transport.type=unix}: the Unix domain socket transport. */
	static CommunicationBackend unixSocketBackend(Transport transport, Endpoint localEndpoint) {
		throw IpcConfigurationException.notAvailable("ipc.transport.type", "unix",
				"ipc.transport.type=in-memory (and ipc.crypto.provider=none) to run inside one JVM");
	}

	/** {@code ipc.transport.type=tcp}: the TCP transport ({@code host()}, {@code port()}; loopback checked already). */
	static CommunicationBackend tcpBackend(Transport transport, Endpoint localEndpoint) {
		throw IpcConfigurationException.notAvailable("ipc.transport.type", "tcp",
				"ipc.transport.type=in-memory (and ipc.crypto.provider=none) to run inside one JVM");
	}

	/**
	 * The Unix socket file: {@code ipc.transport.path}, else {@code $XDG_RUNTIME_DIR/dev.ipc/ipc.sock}, else
	 * {@code ${java.io.tmpdir}/dev.ipc-${user.name}/ipc.sock}. Every process of one user agrees on the default.
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

	/** TCP on a non-loopback address must be allowed explicitly: Noise encrypts but does not authenticate peers. */
	static void checkNetworkExposure(Transport transport) {
		if (transport.type() != TransportType.TCP || transport.allowNonLoopback()) {
			return;
		}
		InetAddress address;
		try {
			address = InetAddress.getByName(transport.host());
		}
		catch (UnknownHostException ex) {
			throw new IpcConfigurationException("ipc.transport.host",
					"'" + transport.host() + "' cannot be resolved",
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
