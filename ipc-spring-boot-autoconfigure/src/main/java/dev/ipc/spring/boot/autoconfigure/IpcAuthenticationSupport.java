package dev.ipc.spring.boot.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.StringUtils;

import dev.ipc.crypto.noise.AuthenticationPolicy;
import dev.ipc.crypto.noise.KnownPeers;
import dev.ipc.crypto.noise.PairingKeys;
import dev.ipc.crypto.noise.PeerAuthentication;
import dev.ipc.crypto.noise.ShortAuthenticationString;
import dev.ipc.crypto.noise.StaticKeys;
import dev.ipc.model.Endpoint;
import dev.ipc.session.FileSessionRepository;
import dev.ipc.spring.boot.autoconfigure.IpcProperties.Authentication;
import dev.ipc.spring.boot.autoconfigure.IpcProperties.TransportType;

/**
 * Builds the Noise provider's {@link PeerAuthentication} from
 * {@code ipc.authentication.*} and fails startup, naming the property to change, when the
 * configured policy cannot be met. Returns {@code null} (plain NN with every peer, as
 * before) when no peer needs authentication.
 *
 * @author IPC contributors
 */
final class IpcAuthenticationSupport {

	private static final Log logger = LogFactory.getLog(IpcAuthenticationSupport.class);

	private IpcAuthenticationSupport() {
	}

	/**
	 * The policy of peers without an explicit one: {@code ipc.authentication.policy},
	 * else {@code required} for transports that leave the machine (NATS, TCP allowed
	 * beyond loopback) and {@code none} for Unix sockets, loopback TCP and in-memory.
	 */
	static AuthenticationPolicy defaultPolicy(IpcProperties properties) {
		AuthenticationPolicy configured = properties.authentication().policy();
		if (configured != null) {
			return configured;
		}
		TransportType type = properties.transport().type();
		boolean leavesTheMachine = type == TransportType.NATS
				|| (type == TransportType.TCP && properties.transport().allowNonLoopback());
		return leavesTheMachine ? AuthenticationPolicy.REQUIRED : AuthenticationPolicy.NONE;
	}

	/** The authentication for {@code properties}, or {@code null} if none is needed. */
	static @Nullable PeerAuthentication create(IpcProperties properties) {
		Authentication config = properties.authentication();
		AuthenticationPolicy defaultPolicy = defaultPolicy(properties);
		Map<Endpoint, AuthenticationPolicy> policies = new LinkedHashMap<>();
		config.endpoints().forEach((name, policy) -> policies.put(endpoint(name), policy));
		boolean needed = defaultPolicy != AuthenticationPolicy.NONE
				|| policies.values().stream().anyMatch((p) -> p != AuthenticationPolicy.NONE);
		if (!needed) {
			return null;
		}
		Path keyFile = keyFile(properties);
		String secret = StringUtils.hasText(config.secret()) ? config.secret() : properties.sessions().secret();
		if (!StringUtils.hasText(secret)) {
			throw new IpcConfigurationException("ipc.authentication.secret",
					"authentication needs a secret to encrypt the static key file " + keyFile + " at rest",
					"Set ipc.authentication.secret (or ipc.sessions.secret) from the environment, at least "
							+ FileSessionRepository.MIN_SECRET_LENGTH
							+ " characters; or set ipc.authentication.policy=none");
		}
		StaticKeys keys;
		try {
			keys = StaticKeys.loadOrCreate(keyFile, secret);
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			throw new IpcConfigurationException("ipc.authentication.key-file", ex.getMessage(),
					"Restore the secret the key file was written with, or delete the file to give this process a new "
							+ "identity (its peers must then pair again)");
		}
		Path knownPeersFile = (config.knownPeersFile() != null) ? config.knownPeersFile()
				: keyFile.resolveSibling("known-peers");
		KnownPeers known;
		try {
			known = KnownPeers.open(knownPeersFile);
		}
		catch (IllegalStateException ex) {
			throw new IpcConfigurationException("ipc.authentication.known-peers-file", ex.getMessage(),
					"Make the known-peers file readable by this process");
		}
		PeerAuthentication.Builder builder = PeerAuthentication.builder(keys)
			.knownPeers(known)
			.defaultPolicy(defaultPolicy)
			// Bitwarden endpoints speak plain NN only
			.policyResolver((peer) -> (peer instanceof Endpoint.Named) ? null : AuthenticationPolicy.NONE);
		policies.forEach(builder::policy);
		byte[] pairingKey = pairingKey(config);
		if (pairingKey != null) {
			builder.pairingKey(pairingKey);
		}
		if (config.trustOnFirstUse()) {
			builder.shortAuthenticationStrings(ShortAuthenticationString.Listener.TRUST_ON_FIRST_USE);
		}
		boolean required = defaultPolicy == AuthenticationPolicy.REQUIRED
				|| policies.containsValue(AuthenticationPolicy.REQUIRED);
		if (required && pairingKey == null && known.entries().isEmpty()) {
			throw new IpcConfigurationException("ipc.authentication.policy",
					"authentication is required (policy " + defaultPolicy.name().toLowerCase()
							+ ((config.policy() == null) ? ", the default for ipc.transport.type="
									+ properties.transport().type().name().toLowerCase().replace('_', '-') : "")
							+ ") but no peer is known (" + knownPeersFile
							+ " is empty) and no pairing key is configured, so no peer could ever be reached",
					"Pair this process with its peers: give both the same key with ipc.authentication.pairing-key "
							+ "(or pairing-key-file, or generate-pairing-code=true on one side), or add their keys to "
							+ "the known-peers file; or set ipc.authentication.policy=optional, or none for peers that "
							+ "cannot authenticate (Bitwarden clients)");
		}
		PeerAuthentication authentication = builder.build();
		logger.info("IPC authentication: " + authentication);
		return authentication;
	}

	private static Path keyFile(IpcProperties properties) {
		Authentication config = properties.authentication();
		if (config.keyFile() != null) {
			return config.keyFile();
		}
		Path sessions = properties.sessions().file();
		if (sessions != null) {
			return sessions.toAbsolutePath().resolveSibling("static-keys");
		}
		throw new IpcConfigurationException("ipc.authentication.key-file",
				"authentication needs a file for this process's static keys",
				"Set ipc.authentication.key-file (or ipc.sessions.file, the keys are then kept next to it); or set "
						+ "ipc.authentication.policy=none");
	}

	private static byte @Nullable [] pairingKey(Authentication config) {
		try {
			if (StringUtils.hasText(config.pairingKey())) {
				return PairingKeys.parse(config.pairingKey());
			}
			Path file = config.pairingKeyFile();
			if (file != null && Files.exists(file)) {
				return PairingKeys.readFile(file);
			}
			if (config.generatePairingCode()) {
				byte[] key = PairingKeys.generate();
				if (file != null) {
					PairingKeys.writeFile(file, key);
				}
				// shown once to the person pairing, on the console, never in the log
				System.out.println("IPC pairing code (configure the other process with "
						+ "ipc.authentication.pairing-key=<code>): " + PairingKeys.toCode(key));
				return key;
			}
			if (file != null) {
				throw new IpcConfigurationException("ipc.authentication.pairing-key-file",
						"the pairing key file " + file + " does not exist",
						"Create it (chmod 600) with the pairing code, or set ipc.authentication.generate-pairing-code=true");
			}
			return null;
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			throw new IpcConfigurationException(
					StringUtils.hasText(config.pairingKey()) ? "ipc.authentication.pairing-key"
							: "ipc.authentication.pairing-key-file",
					ex.getMessage(), "Give a 32-byte key as a pairing code, 64 hex digits or base64");
		}
	}

	private static Endpoint endpoint(String name) {
		try {
			return IpcAutoConfiguration.localEndpoint(name, null);
		}
		catch (IpcConfigurationException ex) {
			throw new IpcConfigurationException("ipc.authentication.endpoints", "invalid endpoint name",
					"Use an endpoint name as in ipc.endpoint");
		}
	}

}
