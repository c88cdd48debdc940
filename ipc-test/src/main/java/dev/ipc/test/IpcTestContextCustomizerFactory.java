package dev.ipc.test;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.test.context.TestContextAnnotationUtils;

/**
 * Switches a context whose test class carries {@link AutoConfigureIpcTest} to the
 * in-memory transport, ahead of every other property source (so an
 * {@code application.yml} that selects a socket never opens one in the test), and passes
 * the annotation's attributes to {@link IpcTestAutoConfiguration}. Registered in
 * {@code META-INF/spring.factories}; the customizer is part of the context cache key, so
 * contexts with different attributes are never shared.
 *
 * @author IPC contributors
 */
final class IpcTestContextCustomizerFactory implements ContextCustomizerFactory {

	@Override
	public @Nullable ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		AutoConfigureIpcTest annotation = TestContextAnnotationUtils.findMergedAnnotation(testClass,
				AutoConfigureIpcTest.class);
		return (annotation != null) ? new Customizer(annotation.clientEndpoint(), annotation.timeout()) : null;
	}

	private record Customizer(String clientEndpoint, String timeout) implements ContextCustomizer {

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
			Map<String, Object> properties = Map.of("ipc.transport.type", "in-memory",
					IpcTestAutoConfiguration.CLIENT_ENDPOINT_PROPERTY, this.clientEndpoint,
					IpcTestAutoConfiguration.TIMEOUT_PROPERTY, this.timeout);
			context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("ipcTest", properties));
		}

	}

}
