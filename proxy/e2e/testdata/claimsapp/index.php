<?php
// The test application of claims_hydra_test.go: an app that knows only HTTP
// Basic (PHP_AUTH_USER) and plain headers, with gatehouse's assertion
// verified by examples/php's verifier. It answers what it got as JSON; the
// password is compared, never printed.
declare(strict_types=1);

require __DIR__ . '/../../../../examples/php/GatehouseVerifier.php';

header('Content-Type: application/json');
header('Cache-Control: no-store');

$env = static fn (string $name): ?string => (($v = getenv($name)) === false || $v === '') ? null : $v;
$server = static fn (string $name): ?string => isset($_SERVER[$name]) ? (string) $_SERVER[$name] : null;

$assertion = null;
$assertionError = null;
try {
    $verifier = new GatehouseVerifier(
        issuer: (string) $env('GATEHOUSE_ISSUER'),
        audience: (string) $env('GATEHOUSE_AUDIENCE'),
        jwksUrl: $env('GATEHOUSE_JWKS_URL'),
        cacheFile: $env('GATEHOUSE_JWKS_CACHE'),
    );
    $assertion = $verifier->verifyRequest('X-Gatehouse-Assertion');
} catch (Throwable $e) {
    $assertionError = $e->getMessage();
}

echo json_encode([
    'path' => $server('REQUEST_URI'),
    'auth_user' => $server('PHP_AUTH_USER'),
    'auth_password_ok' => $server('PHP_AUTH_PW') !== null && $server('PHP_AUTH_PW') === $env('APP_BASIC_PASSWORD'),
    'authorization_seen' => $server('HTTP_AUTHORIZATION') !== null || $server('PHP_AUTH_USER') !== null,
    'roles' => $server('HTTP_X_ROLES'),
    'auth0_roles' => $server('HTTP_X_AUTH0_ROLES'),
    'groups_header' => $server('HTTP_X_FORWARDED_GROUPS'),
    'tenant' => $server('HTTP_X_APP_TENANT'),
    'assertion_sub' => $assertion['sub'] ?? null,
    'assertion_groups' => $assertion['groups'] ?? null,
    'assertion_error' => $assertionError,
], JSON_UNESCAPED_SLASHES), "\n";
