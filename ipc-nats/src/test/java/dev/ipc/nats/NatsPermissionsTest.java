package dev.ipc.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The generated permissions (the real server accepting them is covered by the other NATS
 * tests).
 */
class NatsPermissionsTest {

	private final NatsPermissions permissions = NatsPermissions.forNamespace("prod");

	@Test
	void eachEndpointPublishesOnlyUnderItsOwnNameAndReadsOnlyItsOwnMessages() {
		assertThat(permissions.publishAllow("vault")).containsExactly("ipc.prod.*.vault");
		// its own messages, everyone's presence and everyone's subscription announcements
		assertThat(permissions.subscribeAllow("vault")).containsExactly("ipc.prod.vault.*", "ipc.prod._presence.*",
				"ipc.prod._subs.*");
	}

	@Test
	void serverConfigReferencesOnePasswordVariablePerEndpoint() {
		String config = permissions.passwordAuthorization(List.of("vault", "sync-worker"));
		assertThat(config).contains("{ user: \"vault\", password: $IPC_NATS_PASSWORD_VAULT, ")
			.contains("password: $IPC_NATS_PASSWORD_SYNC_WORKER")
			.contains("publish: { allow: [\"ipc.prod.*.sync-worker\"] }")
			.startsWith("authorization {");
	}

	@Test
	void literalPasswordsAreQuotedAndEscaped() {
		assertThat(permissions.passwordAuthorization(Map.of("vault", "a\"b"))).contains("password: \"a\\\"b\"");
	}

	@Test
	void nscCommandsCarryTheSamePermissions() {
		assertThat(permissions.nscCommands("IPC", List.of("vault")))
			.isEqualTo("nsc add user --account IPC --name vault "
					+ "--allow-pub 'ipc.prod.*.vault' --allow-sub 'ipc.prod.vault.*,ipc.prod._presence.*,ipc.prod._subs.*'\n");
	}

	@Test
	void namesThatAreNotSubjectTokensAreRefused() {
		assertThatThrownBy(() -> permissions.publishAllow("a.b")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> permissions.publishAllow("_presence")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> permissions.publishAllow("*")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> NatsPermissions.forNamespace("a>")).isInstanceOf(IllegalArgumentException.class);
	}

}
