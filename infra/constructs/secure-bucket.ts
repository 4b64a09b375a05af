import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface SecureBucketProps {
  /** Keep old versions of every object (for buckets whose objects cannot be rebuilt). */
  readonly versioned?: boolean;
  /** How long a replaced or deleted object's old version is kept when versioned. */
  readonly noncurrentVersionRetention?: Duration;
  /** Publish object events to EventBridge. */
  readonly eventBridgeEnabled?: boolean;
  /** RETAIN unless the operator asks otherwise: these buckets hold articles, subscribers and state. */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A private S3 bucket with the settings every wirefeed bucket shares: public access blocked, S3-managed
 * encryption, TLS-only access, bucket-owner-enforced ownership, incomplete uploads cleaned up, retained on delete.
 *
 * Returned as `IBucket`: under `exactOptionalPropertyTypes` the `Bucket` class does not type-check as its own
 * interface (its optional `isWebsite`), so the one cast lives here instead of at every call site.
 */
export function createSecureBucket(scope: Construct, id: string, props: SecureBucketProps = {}): s3.IBucket {
  const versioned = props.versioned ?? false;
  const lifecycleRules: s3.LifecycleRule[] = [
    { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
  ];
  if (versioned) {
    lifecycleRules.push({
      id: 'ExpireOldVersions',
      noncurrentVersionExpiration: props.noncurrentVersionRetention ?? Duration.days(30),
      expiredObjectDeleteMarker: true,
    });
  }
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  const bucket = new s3.Bucket(scope, id, {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned,
    lifecycleRules,
    eventBridgeEnabled: props.eventBridgeEnabled ?? false,
    removalPolicy,
    // Emptying a bucket on delete only makes sense when the operator chose to destroy it.
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
  });
  return bucket as unknown as s3.IBucket;
}
