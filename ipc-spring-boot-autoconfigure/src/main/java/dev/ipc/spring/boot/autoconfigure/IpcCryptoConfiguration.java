package dev.ipc.spring.boot.autoconfigure;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.crypto.noise.NoiseSessionCodec;
import dev.ipc.session.FileSessionRepository;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.SessionRepository;
import dev.ipc.spring.boot.autoconfigure.IpcProperties.Crypto;
import dev.ipc.spring.boot.autoconfigure.IpcProperties.Sessions;
import dev.ipc.spring.boot.autoconfigure.IpcProperties.TransportType;

/**
 * The {@link CryptoProvider} selected by {@code ipc.crypto.provider} and the
 * {@link SessionRepository} selected by {@code ipc.sessions.store}. Each choice has one
 * factory method below.
 *
 * @author IPC contributors
 */
@Configuration(proxyBeanMethods = false)
class IpcCryptoConfiguration {

	private static final Log logger = LogFactory.getLog(IpcCryptoConfiguration.class);

	@Bean
	@ConditionalOnMissingBean
	CryptoProvider<?> ipcCryptoProvider(IpcProperties properties) {
		return switch (properties.crypto().provider()) {
			case NOISE -> noiseCryptoProvider(properties.crypto(), properties.maxMessageSize(),
					IpcAuthenticationSupport.create(properties));
			case NONE -> noEncryption(properties);
		};
	}

	@Bean
	@ConditionalOnMissingBean
	SessionRepository<?> ipcSessionRepository(IpcProperties properties) {
		Sessions sessions = properties.sessions();
		return switch (sessions.store()) {
			case MEMORY -> new InMemorySessionRepository<>();
			case FILE -> {
				checkFileSessions(sessions);
				yield fileSessionRepository(sessions);
			}
		};
	}

	static CryptoProvider<?> noEncryption(IpcProperties properties) {
		if (properties.transport().type() != TransportType.IN_MEMORY) {
			logger.warn("ipc.crypto.provider=none with ipc.transport.type="
					+ properties.transport().type().name().toLowerCase()
					+ ": payloads cross the socket in clear. Use it for tests only");
		}
		return new NoEncryptionCryptoProvider();
	}

	/**
	 * {@code ipc.crypto.provider=noise}: {@link NoiseCryptoProvider} proposing
	 * {@code ipc.crypto.suite} (every suite is accepted as responder), with the
	 * configured handshake timeout and rehandshake interval,
	 * {@code ipc.max-message-size}, and the authentication of
	 * {@code ipc.authentication.*} when any peer needs it.
	 */
	static CryptoProvider<?> noiseCryptoProvider(Crypto crypto, DataSize maxMessageSize,
			dev.ipc.crypto.noise.@Nullable PeerAuthentication authentication) {
		try {
			NoiseCryptoProvider.Builder builder = NoiseCryptoProvider.builder()
				.maxMessageSize((int) maxMessageSize.toBytes())
				.initiatorSuite(dev.ipc.crypto.noise.NoiseSuite.fromProtocolName(crypto.suite().protocolName()))
				.handshakeTimeout(crypto.handshakeTimeout())
				.rehandshakeInterval(crypto.rehandshakeInterval());
			if (authentication != null) {
				builder.authentication(authentication);
			}
			return builder.build();
		}
		catch (IllegalStateException | IllegalArgumentException ex) {
			throw new IpcConfigurationException("ipc.crypto.suite", ex.getMessage(),
					"Choose another ipc.crypto.suite, or add org.bouncycastle:bcprov-jdk18on for the BLAKE2s suite");
		}
	}

	/**
	 * {@code ipc.sessions.store=file}: a {@link FileSessionRepository} at
	 * {@code ipc.sessions.file} encrypted with {@code ipc.sessions.secret}, holding Noise
	 * sessions.
	 */
	static SessionRepository<?> fileSessionRepository(Sessions sessions) {
		try {
			return new FileSessionRepository<>(sessions.file(), sessions.secret(), new NoiseSessionCodec());
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			throw new IpcConfigurationException("ipc.sessions.secret", ex.getMessage(),
					"Set ipc.sessions.secret to a long random secret (at least "
							+ FileSessionRepository.MIN_SECRET_LENGTH + " characters) from the environment");
		}
	}

	/** File sessions need a file and a secret. */
	static void checkFileSessions(Sessions sessions) {
		if (sessions.file() == null) {
			throw new IpcConfigurationException("ipc.sessions.file", "ipc.sessions.store=file needs a session file",
					"Set ipc.sessions.file to the file sessions are kept in, or set ipc.sessions.store=memory");
		}
		if (!StringUtils.hasText(sessions.secret())) {
			throw new IpcConfigurationException("ipc.sessions.secret",
					"ipc.sessions.store=file needs a secret to encrypt the session file at rest",
					"Set ipc.sessions.secret (for example from the IPC_SESSIONS_SECRET environment variable), or set "
							+ "ipc.sessions.store=memory");
		}
	}

}
