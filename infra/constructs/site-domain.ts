import { Aws, CfnRule, Fn, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { ConfigError } from '../../functions/core/errors.ts';

/** CloudFront reads viewer certificates from ACM in this region only, whatever region the stack is in. */
export const CLOUDFRONT_CERTIFICATE_REGION = 'us-east-1';

/** A Route 53 hosted zone named without a lookup, so `cdk synth` needs no credentials. */
export interface HostedZoneReference {
  /** e.g. `Z0123456789ABCDEFGHIJ` (a leading `/hostedzone/` is accepted). */
  readonly hostedZoneId: string;
  /** The zone's domain, e.g. `example.com`; `domainName` must be this name or under it. */
  readonly zoneName: string;
}

/**
 * The name the site is served under instead of `*.cloudfront.net`. Give a certificate, a zone, or both:
 * - `certificateArn` alone: that ACM certificate (in us-east-1); the DNS record is the operator's to create.
 * - `hostedZone` alone: the stack requests a certificate and validates it in the zone (stack in us-east-1 only,
 *   see {@link SiteDomain}), and creates A/AAAA alias records.
 * - both: that certificate, and the alias records in the zone.
 */
export interface CustomDomain {
  /** e.g. `news.example.com`: no scheme, no path. */
  readonly domainName: string;
  /** `arn:aws:acm:us-east-1:<account>:certificate/<id>`, covering `domainName`. */
  readonly certificateArn?: string;
  readonly hostedZone?: HostedZoneReference;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const CERTIFICATE_ARN = /^arn:aws(?:-[a-z]+)*:acm:([a-z0-9-]+):\d{12}:certificate\/[A-Za-z0-9-]+$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

/** A DNS name in canonical form (lower case, no trailing dot), or a ConfigError naming `key` and what is wrong. */
export function canonicalDomainName(key: string, value: string): string {
  const name = value.trim().toLowerCase().replace(/\.$/, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(name) || name.includes('/')) {
    throw new ConfigError(`${key}: give the host name only, without scheme or path (got "${value}")`);
  }
  const labels = name.split('.');
  if (name.length > 253 || labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
    throw new ConfigError(`${key}: "${value}" is not a DNS name such as news.example.com`);
  }
  return name;
}

function canonicalZone(zone: HostedZoneReference, domainName: string): HostedZoneReference {
  const hostedZoneId = zone.hostedZoneId.trim().replace(/^\/hostedzone\//, '');
  if (!HOSTED_ZONE_ID.test(hostedZoneId)) {
    throw new ConfigError(`hostedZoneId: "${zone.hostedZoneId}" is not a Route 53 hosted zone id (Z0123456789ABC)`);
  }
  const zoneName = canonicalDomainName('zoneName', zone.zoneName);
  if (domainName !== zoneName && !domainName.endsWith(`.${zoneName}`)) {
    throw new ConfigError(`domainName: ${domainName} is not in the hosted zone ${zoneName}`);
  }
  return { hostedZoneId, zoneName };
}

function checkCertificateArn(arn: string): void {
  if (Token.isUnresolved(arn)) return;
  const region = CERTIFICATE_ARN.exec(arn)?.[1];
  if (region === undefined) {
    throw new ConfigError(`certificateArn: "${arn}" is not an ACM certificate ARN (arn:aws:acm:us-east-1:…)`);
  }
  if (region !== CLOUDFRONT_CERTIFICATE_REGION) {
    throw new ConfigError(
      `certificateArn: the certificate is in ${region}, but CloudFront only uses ACM certificates in us-east-1; request one there (aws acm request-certificate --region us-east-1 --validation-method DNS --domain-name …)`,
    );
  }
}

/** The custom domain, checked and in canonical form; throws a ConfigError naming the setting that is wrong. */
export function checkCustomDomain(domain: CustomDomain): CustomDomain {
  const domainName = canonicalDomainName('domainName', domain.domainName);
  if (domain.certificateArn === undefined && domain.hostedZone === undefined) {
    throw new ConfigError(
      `domainName: ${domainName} needs certificateArn (an ACM certificate in us-east-1) or hostedZoneId and zoneName (a Route 53 zone to create and validate one in)`,
    );
  }
  if (domain.certificateArn !== undefined) checkCertificateArn(domain.certificateArn);
  return {
    domainName,
    ...(domain.certificateArn === undefined ? {} : { certificateArn: domain.certificateArn }),
    ...(domain.hostedZone === undefined ? {} : { hostedZone: canonicalZone(domain.hostedZone, domainName) }),
  };
}

/**
 * The certificate and DNS records of a custom domain.
 *
 * Without a certificate ARN the stack requests one (DNS-validated in the given zone) only when it deploys to
 * us-east-1, where CloudFront reads certificates. In any other region synthesis stops with an error asking for
 * `certificateArn`: requesting the certificate from a second, us-east-1 stack would need cross-region references
 * (custom resources writing SSM parameters in both regions), which lock the two stacks together on every update
 * and on deletion, for a certificate that is requested once and renews itself. An environment-agnostic synth
 * cannot know its region, so the template carries a rule that fails the deploy before anything is created
 * anywhere but in us-east-1.
 */
export class SiteDomain extends Construct {
  readonly domainName: string;
  readonly certificate: acm.ICertificate;
  readonly hostedZone: route53.IHostedZone | undefined;

  constructor(scope: Construct, id: string, props: CustomDomain) {
    super(scope, id);
    const domain = checkCustomDomain(props);
    this.domainName = domain.domainName;
    this.hostedZone =
      domain.hostedZone === undefined
        ? undefined
        : route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', domain.hostedZone);
    if (domain.certificateArn !== undefined) {
      this.certificate = acm.Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn);
    } else {
      this.requireCertificateRegion();
      this.certificate = new acm.Certificate(this, 'Certificate', {
        domainName: this.domainName,
        certificateName: `wirefeed ${this.domainName}`,
        validation: acm.CertificateValidation.fromDns(this.hostedZone),
      });
    }
  }

  /** A and AAAA alias records for the distribution, when the domain's zone is known. */
  addRecords(distribution: cloudfront.IDistribution): void {
    if (this.hostedZone === undefined) return;
    const target = route53.RecordTarget.fromAlias(new route53targets.CloudFrontTarget(distribution));
    // A fully qualified name (trailing dot) is taken as is, so the zone apex works too.
    const recordName = `${this.domainName}.`;
    new route53.ARecord(this, 'AliasRecord', { zone: this.hostedZone, recordName, target });
    new route53.AaaaRecord(this, 'AliasRecordIpv6', { zone: this.hostedZone, recordName, target });
  }

  private requireCertificateRegion(): void {
    const region = Stack.of(this).region;
    const advice = `pass certificateArn with a certificate in us-east-1 (aws acm request-certificate --region us-east-1 --validation-method DNS --domain-name ${this.domainName})`;
    if (!Token.isUnresolved(region)) {
      if (region !== CLOUDFRONT_CERTIFICATE_REGION) {
        throw new ConfigError(
          `hostedZoneId: this stack deploys to ${region}, and CloudFront only uses certificates in us-east-1, so the stack cannot request one; ${advice}`,
        );
      }
      return;
    }
    new CfnRule(this, 'CertificateRegion', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, CLOUDFRONT_CERTIFICATE_REGION),
          assertDescription: `The certificate for ${this.domainName} is requested by this stack, which CloudFront allows only in us-east-1; deploy there, or ${advice}.`,
        },
      ],
    });
  }
}
