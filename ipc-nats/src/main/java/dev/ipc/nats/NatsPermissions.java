package dev.ipc.nats;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Generates the NATS permissions that make sources trustworthy (docs/nats.md §4): each
 * endpoint's user may publish only on {@code ipc.<namespace>.*.<endpoint>} (its messages
 * and its presence) and subscribe only to {@code ipc.<namespace>.<endpoint>.*} (messages
 * for it), {@code ipc.<namespace>._presence.*} and {@code ipc.<namespace>._subs.*} (who
 * subscribes to which topics, for publications). Output forms: a {@code nats-server}
 * {@code authorization} block with users and passwords (literal or {@code $ENV}
 * references) or NKeys, and {@code nsc} commands for decentralised JWT auth. Run it from
 * the command line:
 *
 * <pre>
 * java -cp ipc-nats.jar:ipc-core.jar dev.ipc.nats.NatsPermissions [--namespace NS] [--nsc] ENDPOINT...
 * </pre>
 *
 * Names that are not valid subject tokens are refused with an
 * {@link IllegalArgumentException}.
 */
public final class NatsPermissions {

	private final String namespace;

	private NatsPermissions(String namespace) {
		this.namespace = NatsSubjects.requireToken(namespace, "The namespace");
	}

	/** The generator for {@code namespace}. */
	public static NatsPermissions forNamespace(String namespace) {
		return new NatsPermissions(namespace);
	}

	/** The subjects {@code endpoint} may publish on. */
	public List<String> publishAllow(String endpoint) {
		NatsSubjects.requireToken(endpoint, "The endpoint name");
		return List.of(NatsSubjects.ROOT + "." + namespace + ".*." + endpoint);
	}

	/** The subjects {@code endpoint} may subscribe to. */
	public List<String> subscribeAllow(String endpoint) {
		NatsSubjects.requireToken(endpoint, "The endpoint name");
		return List.of(NatsSubjects.inbox(namespace, endpoint), NatsSubjects.presenceWildcard(namespace),
				NatsSubjects.subscriptionsWildcard(namespace));
	}

	/** The {@code permissions} map of one user in the server config. */
	public String permissionsBlock(String endpoint) {
		return "permissions: { publish: { allow: " + list(publishAllow(endpoint)) + " }, subscribe: { allow: "
				+ list(subscribeAllow(endpoint)) + " } }";
	}

	/**
	 * A server {@code authorization} block with one user per endpoint (user name =
	 * endpoint name).
	 * @param passwords endpoint name to password; a value starting with {@code $} is
	 * written unquoted, as a reference to an environment variable the server resolves
	 */
	public String passwordAuthorization(Map<String, String> passwords) {
		List<String> users = new ArrayList<>();
		passwords.forEach((endpoint, password) -> users.add("{ user: " + quote(endpoint) + ", password: "
				+ (password.startsWith("$") ? password : quote(password)) + ", " + permissionsBlock(endpoint) + " }"));
		return authorization(users);
	}

	/**
	 * The same with one password variable per endpoint:
	 * {@code $IPC_NATS_PASSWORD_<NAME>}.
	 */
	public String passwordAuthorization(Collection<String> endpoints) {
		Map<String, String> passwords = new LinkedHashMap<>();
		for (String endpoint : endpoints) {
			passwords.put(endpoint, "$" + passwordVariable(endpoint));
		}
		return passwordAuthorization(passwords);
	}

	/**
	 * A server {@code authorization} block authenticating each endpoint by NKey (endpoint
	 * name to public key).
	 */
	public String nkeyAuthorization(Map<String, String> publicKeys) {
		List<String> users = new ArrayList<>();
		publicKeys
			.forEach((endpoint, key) -> users.add("{ nkey: " + quote(key) + ", " + permissionsBlock(endpoint) + " }"));
		return authorization(users);
	}

	/**
	 * {@code nsc} commands creating one user per endpoint with these permissions in
	 * {@code account} (for operator mode with JWTs; {@code nsc generate creds} then
	 * writes the credentials file each endpoint uses).
	 */
	public String nscCommands(String account, Collection<String> endpoints) {
		StringBuilder out = new StringBuilder();
		for (String endpoint : endpoints) {
			out.append("nsc add user --account ")
				.append(account)
				.append(" --name ")
				.append(endpoint)
				.append(" --allow-pub '")
				.append(String.join(",", publishAllow(endpoint)))
				.append("' --allow-sub '")
				.append(String.join(",", subscribeAllow(endpoint)))
				.append("'\n");
		}
		return out.toString();
	}

	/**
	 * The environment variable {@link #passwordAuthorization(Collection)} refers to for
	 * {@code endpoint}.
	 */
	public static String passwordVariable(String endpoint) {
		return "IPC_NATS_PASSWORD_" + endpoint.toUpperCase(Locale.ROOT).replace('-', '_');
	}

	private static String authorization(List<String> users) {
		return "authorization {\n  users = [\n    " + String.join("\n    ", users) + "\n  ]\n}\n";
	}

	private static String list(List<String> subjects) {
		List<String> quoted = new ArrayList<>();
		for (String subject : subjects) {
			quoted.add(quote(subject));
		}
		return "[" + String.join(", ", quoted) + "]";
	}

	private static String quote(String value) {
		return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
	}

	/**
	 * Command line: prints a server authorization block (or {@code nsc} commands with
	 * {@code --nsc}).
	 */
	public static void main(String[] args) {
		String namespace = "default";
		String account = null;
		List<String> endpoints = new ArrayList<>();
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--namespace" -> namespace = args[++i];
				case "--nsc" -> account = (i + 1 < args.length && !args[i + 1].startsWith("-")) ? args[++i] : "IPC";
				default -> endpoints.add(args[i]);
			}
		}
		if (endpoints.isEmpty()) {
			System.err.println("usage: NatsPermissions [--namespace NS] [--nsc [ACCOUNT]] ENDPOINT...");
			System.exit(2);
		}
		NatsPermissions permissions = forNamespace(namespace);
		System.out.print(account == null ? permissions.passwordAuthorization(endpoints)
				: permissions.nscCommands(account, endpoints));
	}

}
