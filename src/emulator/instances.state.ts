/**
 * The emulator's EC2 instances, in memory: just what the instance metadata service tells an instance about
 * itself (its identity document). Nothing runs; an instance is a record with an IMDS base URL.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';

export interface Ec2Instance {
  /** `i-` and 17 lowercase hex digits. */
  instanceId: string;
  awsAccountId: string;
  region: string;
  /** `<region>a`. */
  availabilityZone: string;
  /** `ami-` and 17 lowercase hex digits. */
  imageId: string;
  instanceType: string;
  architecture: 'x86_64';
  /** When it was launched, ISO 8601 without milliseconds, as EC2 writes it: 2026-12-02T10:00:00Z. */
  pendingTime: string;
  /** 10.x.y.z */
  privateIp: string;
}

export interface NewInstance {
  awsAccountId: string;
  region: string;
  instanceType?: string;
}

export const DEFAULT_INSTANCE_TYPE = 't3.medium';

/** A request for an instance that cannot be made; `fields` names what is wrong, as the control API answers it. */
export class InstanceInputError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(Object.values(fields).join(' '));
    this.name = 'InstanceInputError';
  }
}

const ACCOUNT_ID = /^\d{12}$/;
/** us-east-1, eu-west-2, ap-southeast-3, us-gov-west-1, … */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

/** Throws InstanceInputError unless the account ID is 12 digits, the region is like us-east-1 and the type like t3.medium. */
export function validateNewInstance(input: NewInstance): Required<NewInstance> {
  const fields: Record<string, string> = {};
  if (!ACCOUNT_ID.test(input.awsAccountId)) fields.awsAccountId = 'awsAccountId must be 12 digits.';
  if (!REGION.test(input.region)) fields.region = 'region must be an AWS Region code such as us-east-1.';
  const instanceType = input.instanceType ?? DEFAULT_INSTANCE_TYPE;
  if (!INSTANCE_TYPE.test(instanceType)) fields.instanceType = 'instanceType must be an EC2 instance type such as t3.medium.';
  if (Object.keys(fields).length > 0) throw new InstanceInputError(fields);
  return { awsAccountId: input.awsAccountId, region: input.region, instanceType };
}

const hex17 = () => randomBytes(9).toString('hex').slice(0, 17);
const byte = () => randomBytes(1)[0] ?? 0;

export interface Ec2Instances {
  create(input: NewInstance): Ec2Instance;
  /** Oldest first. */
  list(): readonly Ec2Instance[];
  get(instanceId: string): Ec2Instance | undefined;
}

export function createEc2Instances(options: { clock: Clock }): Ec2Instances {
  const instances = new Map<string, Ec2Instance>();
  return {
    create(input) {
      const { awsAccountId, region, instanceType } = validateNewInstance(input);
      let instanceId = `i-${hex17()}`;
      while (instances.has(instanceId)) instanceId = `i-${hex17()}`;
      const instance: Ec2Instance = {
        instanceId,
        awsAccountId,
        region,
        availabilityZone: `${region}a`,
        imageId: `ami-${hex17()}`,
        instanceType,
        architecture: 'x86_64',
        pendingTime: options.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        privateIp: `10.${byte()}.${byte()}.${Math.max(4, byte() % 255)}`,
      };
      instances.set(instanceId, instance);
      return instance;
    },
    list: () => [...instances.values()],
    get: (instanceId) => instances.get(instanceId),
  };
}
