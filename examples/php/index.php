<?php
// A tiny app behind gatehouse: prints the verified identity as JSON, or
// answers 401. Configured from the environment:
//   GATEHOUSE_ISSUER      gatehouse's public_url (required)
//   GATEHOUSE_AUDIENCE    identity.assertion.audience (required; default there: upstream.url)
//   GATEHOUSE_JWKS_URL    <public_url>/oauth2/jwks.json (for ES256 / EdDSA)
//   GATEHOUSE_HMAC_SECRET identity.assertion.hmac_secret (for HS256)
//   GATEHOUSE_ALGORITHMS  comma-separated, default ES256,EdDSA (HS256 with a secret)
//   GATEHOUSE_HEADER      default X-Gatehouse-Assertion
//   GATEHOUSE_JWKS_CACHE  cache file, default in the temp directory
// Try it: GATEHOUSE_ISSUER=... GATEHOUSE_AUDIENCE=... GATEHOUSE_JWKS_URL=... php -S 127.0.0.1:8080 -t examples/php

declare(strict_types=1);

require __DIR__ . '/GatehouseVerifier.php';

header('Content-Type: application/json');
header('Cache-Control: no-store');

$env = static fn (string $name): ?string => (($v = getenv($name)) === false || $v === '') ? null : $v;

try {
    $verifier = new GatehouseVerifier(
        issuer: (string) $env('GATEHOUSE_ISSUER'),
        audience: (string) $env('GATEHOUSE_AUDIENCE'),
        jwksUrl: $env('GATEHOUSE_JWKS_URL'),
        hmacSecret: $env('GATEHOUSE_HMAC_SECRET'),
        algorithms: ($a = $env('GATEHOUSE_ALGORITHMS')) === null ? [] : explode(',', $a),
        cacheFile: $env('GATEHOUSE_JWKS_CACHE'),
    );
} catch (InvalidArgumentException $e) {
    http_response_code(500);
    echo json_encode(['error' => 'verifier misconfigured: ' . $e->getMessage()]), "\n";
    exit;
}

try {
    $claims = $verifier->verifyRequest($env('GATEHOUSE_HEADER') ?? 'X-Gatehouse-Assertion');
} catch (GatehouseAssertionError $e) {
    http_response_code(401);
    echo json_encode(['error' => 'unauthorized', 'reason' => $e->getMessage()]), "\n";
    exit;
}

// Map the verified identity to the local user here (by sub, or by email).
echo json_encode([
    'sub' => $claims['sub'] ?? null,
    'email' => $claims['email'] ?? null,
    'name' => $claims['name'] ?? null,
    'preferred_username' => $claims['preferred_username'] ?? null,
    'groups' => $claims['groups'] ?? [],
    'groups_truncated' => $claims['groups_truncated'] ?? false,
    'sid' => $claims['sid'] ?? null,
], JSON_UNESCAPED_SLASHES), "\n";
