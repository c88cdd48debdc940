package dev.ipc.spring.boot.autoconfigure;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.validation.Validator;

import dev.ipc.client.IpcClient;
import dev.ipc.codec.PayloadCodec;
import dev.ipc.event.IpcEventListener;
import dev.ipc.spring.annotation.IpcErrorHandler;
import dev.ipc.spring.annotation.IpcHandlerAnnotationBeanPostProcessor;
import dev.ipc.spring.annotation.IpcRpcHandlerRegistry;
import dev.ipc.spring.annotation.IpcSubscriberRegistry;
import dev.ipc.spring.annotation.LoggingIpcErrorHandler;

/**
 * Annotated handlers: the post-processor finding {@code @IpcSubscriber} and
 * {@code @IpcRpcHandler} methods, the registries they are kept in, and the factory
 * invoking them ({@link IpcHandlerMethodConfiguration}).
 *
 * @author IPC contributors
 */
@Configuration(proxyBeanMethods = false)
@Import(IpcHandlerMethodConfiguration.class)
class IpcAnnotationDrivenConfiguration {

	@Bean(IpcHandlerAnnotationBeanPostProcessor.BEAN_NAME)
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnMissingBean(name = IpcHandlerAnnotationBeanPostProcessor.BEAN_NAME)
	static IpcHandlerAnnotationBeanPostProcessor ipcHandlerAnnotationBeanPostProcessor() {
		return new IpcHandlerAnnotationBeanPostProcessor();
	}

	@Bean
	@ConditionalOnMissingBean
	IpcSubscriberRegistry ipcSubscriberRegistry(IpcProperties properties, ObjectProvider<IpcClient> client,
			PayloadCodec codec, IpcExecutorHolder executor, ObjectProvider<Validator> validator,
			ObjectProvider<IpcEventListener> listeners, ObjectProvider<IpcErrorHandler> errorHandler,
			BeanFactory beanFactory) {
		return new IpcSubscriberRegistry(client, codec, executor.getExecutor(), validator::getIfUnique, listeners,
				properties.subscriber().concurrency(), properties.handlers().autoStartup(),
				errorHandler.getIfUnique(LoggingIpcErrorHandler::new),
				(name) -> beanFactory.getBean(name, IpcErrorHandler.class));
	}

	@Bean
	@ConditionalOnMissingBean
	IpcRpcHandlerRegistry ipcRpcHandlerRegistry(IpcProperties properties, ObjectProvider<IpcClient> client,
			PayloadCodec codec, IpcExecutorHolder executor, ObjectProvider<Validator> validator,
			ObjectProvider<IpcEventListener> listeners) {
		return new IpcRpcHandlerRegistry(client, codec, executor.getExecutor(), validator::getIfUnique, listeners,
				properties.rpc().concurrency(), properties.handlers().autoStartup());
	}

}
