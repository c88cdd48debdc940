package dev.ipc.sample.api;

import jakarta.validation.constraints.NotBlank;

import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;

/**
 * Asks the vault for a credential; answered with a {@link Credential}.
 *
 * @param name the credential's name
 */
@IpcPayload("vault.fetch-credential")
public record FetchCredential(@NotBlank String name) implements RpcRequest<Credential> {
}
