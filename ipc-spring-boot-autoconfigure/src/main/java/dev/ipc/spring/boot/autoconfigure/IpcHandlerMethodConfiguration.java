package dev.ipc.spring.boot.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.handler.invocation.HandlerMethodArgumentResolver;
import org.springframework.validation.Validator;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.spring.annotation.IpcHandlerConfigurer;
import dev.ipc.spring.annotation.support.IpcMessageHandlerMethodFactory;

/**
 * The spring-messaging factory annotated handlers are invoked through: an
 * {@link IpcMessageHandlerMethodFactory} with the client's codec, the application's
 * {@link Validator} and the argument resolvers of every {@link IpcHandlerConfigurer}.
 * Backs off when the application defines a bean named
 * {@value IpcMessageHandlerMethodFactory#BEAN_NAME}.
 *
 * @author IPC contributors
 */
@Configuration(proxyBeanMethods = false)
class IpcHandlerMethodConfiguration {

	@Bean(IpcMessageHandlerMethodFactory.BEAN_NAME)
	@ConditionalOnMissingBean(name = IpcMessageHandlerMethodFactory.BEAN_NAME)
	IpcMessageHandlerMethodFactory ipcMessageHandlerMethodFactory(PayloadCodec codec,
			ObjectProvider<Validator> validator, ObjectProvider<IpcHandlerConfigurer> configurers) {
		IpcMessageHandlerMethodFactory factory = new IpcMessageHandlerMethodFactory(codec);
		Validator unique = validator.getIfUnique();
		if (unique != null) {
			factory.setValidator(unique);
		}
		List<HandlerMethodArgumentResolver> resolvers = new ArrayList<>();
		configurers.orderedStream().forEach((configurer) -> configurer.addArgumentResolvers(resolvers));
		factory.setCustomArgumentResolvers(resolvers);
		return factory;
	}

}
