// The Function CustomResourceDefinition, derived from the same definition as the types and validation.
import { functionSpecSchema, functionStatusSchema } from './function-schema.js';
import { FUNCTION_NAME_PATTERN } from './function.js';
import { API_GROUP, API_VERSION, FUNCTION_KIND, FUNCTION_PLURAL } from './names.js';
import { toOpenApi } from './schema.js';

export const CRD_NAME = `${FUNCTION_PLURAL}.${API_GROUP}`;

const printerColumns = [
  { name: 'Image', type: 'string', jsonPath: '.spec.image' },
  { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas' },
  { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
  { name: 'Queued', type: 'integer', jsonPath: '.status.queued' },
  { name: 'Status', type: 'string', jsonPath: '.status.state' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  // -o wide: the Ready condition's reason and message (an invalid spec shows InvalidSpec there too).
  {
    name: 'Reason',
    type: 'string',
    jsonPath: ".status.conditions[?(@.type=='Ready')].reason",
    priority: 1,
  },
  {
    name: 'Message',
    type: 'string',
    jsonPath: ".status.conditions[?(@.type=='Ready')].message",
    priority: 1,
  },
];

/** `apiextensions.k8s.io/v1` CustomResourceDefinition for Functions, as a plain object ready to apply or render. */
export function functionCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME, labels: { 'app.kubernetes.io/part-of': 'spool' } },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: {
        kind: FUNCTION_KIND,
        listKind: `${FUNCTION_KIND}List`,
        plural: FUNCTION_PLURAL,
        singular: 'function',
        shortNames: ['fn'],
        categories: ['spool'],
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          // The scale subresource lets the gateway (and `kubectl scale`) request replicas with a right that
          // covers spec.replicas and nothing else of the spec (issue 11 item 9).
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
          },
          additionalPrinterColumns: printerColumns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'A function served by Spool: calls to it are queued and run by its replicas.',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: toOpenApi(functionSpecSchema),
                status: toOpenApi(functionStatusSchema),
              },
              'x-kubernetes-validations': [
                {
                  rule: `self.metadata.name.matches('${FUNCTION_NAME_PATTERN}')`,
                  message:
                    'metadata.name must be a DNS label of at most 60 characters: lower-case letters, digits and -, starting with a letter',
                },
              ],
            },
          },
        },
      ],
    },
  };
}
