package dev.ipc.sample.api;

/**
 * A credential held by the vault.
 *
 * @param name its name
 * @param username the account
 * @param token the secret; never logged
 */
public record Credential(String name, String username, String token) {

	@Override
	public String toString() {
		return "Credential[name=" + this.name + ", username=" + this.username + ", token=******]";
	}

}
