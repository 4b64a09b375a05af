import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { NOT_FOUND_PAGE } from '../../functions/core/state-keys.ts';
import type { SiteDomain } from './site-domain.ts';

export interface SiteDistributionProps {
  /** The private bucket holding the published files; only this distribution may read it. */
  readonly siteBucket: s3.IBucket;
  /** Serve under this name, with its certificate, instead of only `*.cloudfront.net`. */
  readonly domain?: SiteDomain;
}

/**
 * CloudFront in front of the site bucket: Origin Access Control (the bucket stays private), `index.html` at the
 * root, HTTPS only, caching that follows each object's Cache-Control (short for feeds, longer for pages, as the
 * publisher sets them), and security headers on every response.
 */
export class SiteDistribution extends Construct {
  readonly distribution: cloudfront.Distribution;
  /** The public base URL, without a trailing slash: `https://<domainName>`, else `https://<id>.cloudfront.net`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: SiteDistributionProps) {
    super(scope, id);
    const domain = props.domain;
    const cachePolicy = new cloudfront.CachePolicy(this, 'CachePolicy', {
      comment: 'wirefeed: honour the Cache-Control the publisher set on each object',
      // minTtl 0 lets a short origin max-age win; defaultTtl only applies to objects without Cache-Control.
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.minutes(5),
      maxTtl: Duration.days(365),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
    });
    const responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'ResponseHeaders', {
      comment: 'wirefeed: security headers; feeds readable cross-origin by web-based readers',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy:
            "default-src 'none'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        // On the operator's own domain, HSTS covers that host only: includeSubDomains on an apex such as
        // example.com would force HTTPS on every other host of the organisation for a year.
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: domain === undefined,
          override: true,
        },
      },
      corsBehavior: {
        accessControlAllowCredentials: false,
        accessControlAllowHeaders: ['*'],
        accessControlAllowMethods: ['GET', 'HEAD'],
        accessControlAllowOrigins: ['*'],
        originOverride: false,
      },
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'wirefeed feeds and pages',
      defaultRootObject: 'index.html',
      // A missing page (S3 answers 404, or 403 for a key the origin access cannot see) shows the site's own page.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 404,
        responsePagePath: `/${NOT_FOUND_PAGE}`,
        ttl: Duration.minutes(5),
      })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      ...(domain === undefined
        ? {}
        : {
            domainNames: [domain.domainName],
            certificate: domain.certificate,
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            sslSupportMethod: cloudfront.SSLMethod.SNI,
          }),
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(props.siteBucket, {
          // LIST lets S3 answer 404 (not 403) for a missing page; the bucket listing itself is unreachable because
          // "/" maps to index.html and no query string reaches the origin.
          originAccessLevels: [cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST],
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        compress: true,
        cachePolicy,
        responseHeadersPolicy,
      },
    });
    this.url = `https://${domain?.domainName ?? this.distribution.distributionDomainName}`;
    domain?.addRecords(this.distribution);

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Feeds are public and meant for readers anywhere; there is no country to exclude.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static, cache-served GET/HEAD only with no forms, cookies or query strings reaching the origin; a web ACL would add a monthly charge to a stack meant to cost nothing at rest.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Access logs would record every feed reader poll into a paid log bucket; CloudFront standard metrics cover operations, and logging can be enabled per deployment.',
      },
      ...(domain === undefined
        ? [
            {
              id: 'AwsSolutions-CFR4',
              reason:
                'Without a custom domain the distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the minimum TLS version; with domainName it uses its own certificate and TLSv1.2_2021.',
            },
          ]
        : []),
      {
        id: 'Annotation::@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk',
        reason:
          'defaultRootObject is index.html, so "/" never lists the bucket, and the cache policy forwards no query string, so no listing request reaches S3.',
      },
    );
  }
}
