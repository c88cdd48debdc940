package dev.ipc.spring.annotation;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ipc.model.HostId;
import dev.ipc.model.Source;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SourceFilter}.
 */
class SourceFilterTest {

	@Test
	void emptyAcceptsEverything() {
		SourceFilter filter = SourceFilter.of(List.of(), List.of());
		assertThat(filter).isSameAs(SourceFilter.ANY);
		assertThat(filter.accepts(new Source.Named("x", null))).isTrue();
		assertThat(filter.accepts(Source.DESKTOP_MAIN)).isTrue();
	}

	@Test
	void matchesNamedSourcesByNameAndOthersByVariant() {
		SourceFilter filter = SourceFilter.of(List.of("worker", "DesktopMain", "Web"), List.of());
		assertThat(filter.accepts(new Source.Named("worker", null))).isTrue();
		assertThat(filter.accepts(new Source.Named("other", "me"))).isFalse();
		assertThat(filter.accepts(Source.DESKTOP_MAIN)).isTrue();
		assertThat(filter.accepts(Source.DESKTOP_RENDERER)).isFalse();
		assertThat(filter.accepts(new Source.Web(1, "doc", "https://example.org"))).isTrue();
		assertThat(filter.accepts(new Source.BrowserBackground(HostId.OWN))).isFalse();
	}

	@Test
	void userRestrictionNeedsAVerifiedUser() {
		SourceFilter filter = SourceFilter.of(List.of(), List.of("alice"));
		assertThat(filter.accepts(new Source.Named("w", "alice"))).isTrue();
		assertThat(filter.accepts(new Source.Named("w", "bob"))).isFalse();
		assertThat(filter.accepts(new Source.Named("w", null))).isFalse();
		assertThat(filter.accepts(Source.DESKTOP_MAIN)).as("no user can be verified").isFalse();
	}

	@Test
	void nameAndUserMustBothMatch() {
		SourceFilter filter = SourceFilter.of(List.of("worker"), List.of("alice"));
		assertThat(filter.accepts(new Source.Named("worker", "alice"))).isTrue();
		assertThat(filter.accepts(new Source.Named("worker", "bob"))).isFalse();
		assertThat(filter.accepts(new Source.Named("other", "alice"))).isFalse();
		assertThat(filter).hasToString("sources=[worker], users=[alice]");
	}

}
