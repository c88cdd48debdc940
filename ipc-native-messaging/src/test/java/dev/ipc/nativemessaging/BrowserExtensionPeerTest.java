package dev.ipc.nativemessaging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;

class BrowserExtensionPeerTest {

	@Test
	void roundTripsThroughItsEndpointName() {
		BrowserExtensionPeer peer = new BrowserExtensionPeer(4711,
				"chrome-extension://abcdefghijklmnopabcdefghijklmnop/", null);
		assertThat(peer.endpointName())
			.isEqualTo("browser-extension:4711:chrome-extension://abcdefghijklmnopabcdefghijklmnop/");
		assertThat(BrowserExtensionPeer.of(peer.endpoint())).contains(peer);
		assertThat(BrowserExtensionPeer.of(new Source.Named(peer.endpointName(), "alice")))
			.contains(new BrowserExtensionPeer(4711, peer.origin(), "alice"));
	}

	@Test
	void otherSourcesAreNotBrowserExtensions() {
		assertThat(BrowserExtensionPeer.of(Source.DESKTOP_MAIN)).isEmpty();
		assertThat(BrowserExtensionPeer.of(new Source.Named("worker"))).isEmpty();
		assertThat(BrowserExtensionPeer.of(Endpoint.named("browser-extension:x:origin"))).isEmpty();
		assertThat(BrowserExtensionPeer.of(Endpoint.named("browser-extension::origin"))).isEmpty();
		assertThat(BrowserExtensionPeer.of(Endpoint.named("browser-extension:1:"))).isEmpty();
	}

}
