// Manifests of the test workload (image spool-test/http-server, see test/cluster/fixtures/http-server.mjs).
import type { V1Container, V1Deployment, V1Pod } from '@kubernetes/client-node';

export const httpServerPort = 8080;

export function httpServerContainer(): V1Container {
  return {
    name: 'http',
    image: 'spool-test/http-server:latest',
    ports: [{ name: 'http', containerPort: httpServerPort }],
    env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
  };
}

export function httpServerDeployment(name: string, replicas: number): V1Deployment {
  const labels = { app: name };
  return {
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { terminationGracePeriodSeconds: 5, containers: [httpServerContainer()] },
      },
    },
  };
}

export function httpServerPod(name: string, serviceAccountName = 'default'): V1Pod {
  return {
    metadata: { name, labels: { app: name } },
    spec: { serviceAccountName, terminationGracePeriodSeconds: 5, containers: [httpServerContainer()] },
  };
}
