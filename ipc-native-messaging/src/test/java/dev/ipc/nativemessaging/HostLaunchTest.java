package dev.ipc.nativemessaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class HostLaunchTest {

	private static final String ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/";

	@Test
	void readsChromesOriginArgument() {
		assertThat(HostLaunch.parse(List.of(ORIGIN))).isEqualTo(new HostLaunch(HostLaunch.Family.CHROMIUM, ORIGIN));
		assertThat(HostLaunch.parse(List.of(ORIGIN, "--parent-window=0")).origin()).isEqualTo(ORIGIN);
	}

	@Test
	void readsFirefoxsManifestPathAndAddOnId() {
		assertThat(HostLaunch.parse(List.of("/home/u/.mozilla/native-messaging-hosts/x.json", "vault@example.com")))
			.isEqualTo(new HostLaunch(HostLaunch.Family.FIREFOX, "vault@example.com"));
	}

	@Test
	void refusesArgumentsThatCarryNoOrigin() {
		assertThatThrownBy(() -> HostLaunch.parse(List.of())).isInstanceOfSatisfying(OriginRefusedException.class,
				ex -> assertThat(ex.code()).isEqualTo("no-origin"));
		assertThatThrownBy(() -> HostLaunch.parse(List.of("chrome-extension://UPPER/")))
			.isInstanceOfSatisfying(OriginRefusedException.class, ex -> assertThat(ex.code()).isEqualTo("bad-origin"));
		assertThatThrownBy(() -> HostLaunch.parse(List.of("--help")))
			.isInstanceOfSatisfying(OriginRefusedException.class, ex -> assertThat(ex.code()).isEqualTo("bad-origin"));
	}

	@Test
	void checksTheAllowList() {
		HostLaunch launch = HostLaunch.parse(List.of(ORIGIN));
		assertThat(launch.requireAllowed(List.of("chrome-extension://abcdefghijklmnopabcdefghijklmnop")))
			.isSameAs(launch);
		assertThatThrownBy(() -> launch.requireAllowed(List.of("chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba/")))
			.isInstanceOfSatisfying(OriginRefusedException.class,
					ex -> assertThat(ex.code()).isEqualTo("origin-not-allowed"))
			.hasMessageContaining(ORIGIN);
		assertThatThrownBy(() -> launch.requireAllowed(List.of())).isInstanceOf(OriginRefusedException.class);
	}

}
