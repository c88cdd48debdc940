package dev.ipc.rpc.discover;

import java.util.Objects;

/**
 * A peer's answer to {@link DiscoverRequest}: {@code {"version":"…"}}.
 *
 * @param version the responder's application version
 */
public record DiscoverResponse(String version) {

	public DiscoverResponse {
		Objects.requireNonNull(version, "version");
	}

}
