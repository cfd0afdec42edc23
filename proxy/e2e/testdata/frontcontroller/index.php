<?php
// A front controller that reads the request the way PHP frameworks do when
// they trust the proxy in front of them (as they are told to behind
// gatehouse). Frameworks are not installable here, so this does what their
// request classes do, and no more:
//   Yii2 (HumHub)     path from X-Rewrite-Url, else X-Original-Url (IIS),
//                     else REQUEST_URI; PATH_INFO after /index.php; method
//                     from X-Http-Method-Override for any method; host from
//                     X-Forwarded-Host or X-Original-Host; HTTPS from
//                     Front-End-Https, X-Forwarded-Ssl, X-Forwarded-Proto.
//   Symfony/Laravel   base path from X-Forwarded-Prefix; host and port from
//                     X-Forwarded-Host and X-Forwarded-Port; method from
//                     X-Http-Method-Override on POST.
//   everyone          client IP from X-Forwarded-For, X-Real-Ip, Client-Ip,
//                     True-Client-Ip, Cf-Connecting-Ip.
// It answers JSON: which page was routed, with which method, the absolute
// link it would mail for a password reset, and the client IP it believes.
// Served by `php -S addr index.php` (this file as the router).

declare(strict_types=1);

function header_value(string $name): ?string
{
    // PHP turns X-Rewrite-Url and X_Rewrite_Url alike into HTTP_X_REWRITE_URL.
    $v = $_SERVER['HTTP_' . strtoupper(str_replace('-', '_', $name))] ?? null;
    return ($v === null || $v === '') ? null : $v;
}

function first_header(string ...$names): ?string
{
    foreach ($names as $n) {
        if (($v = header_value($n)) !== null) {
            return $v;
        }
    }
    return null;
}

$uri = first_header('X-Rewrite-Url', 'X-Original-Url') ?? $_SERVER['REQUEST_URI'];
$path = (string) parse_url($uri, PHP_URL_PATH);
if (str_starts_with($path, '/index.php')) {
    $path = substr($path, strlen('/index.php')); // PATH_INFO routing
}
$route = trim($path, '/');
if ($route === '') {
    $route = 'home';
}

$method = $_SERVER['REQUEST_METHOD'];
if (($override = first_header('X-Http-Method-Override', 'X-Method-Override', 'X-Http-Method')) !== null) {
    $method = strtoupper($override);
}

$https = strtolower((string) first_header('Front-End-Https', 'X-Forwarded-Ssl')) === 'on'
    || strtolower((string) first_header('X-Forwarded-Proto', 'X-Forwarded-Scheme', 'X-Url-Scheme')) === 'https';
$host = first_header('X-Forwarded-Host', 'X-Original-Host', 'X-Host') ?? ($_SERVER['HTTP_HOST'] ?? '');
if (($port = header_value('X-Forwarded-Port')) !== null) {
    $host = preg_replace('/:\d+$/', '', $host) . ':' . $port;
}
$prefix = header_value('X-Forwarded-Prefix') ?? '';
$link = ($https ? 'https' : 'http') . '://' . $host . rtrim($prefix, '/') . '/reset?token=secret';

$ip = first_header('X-Real-Ip', 'Client-Ip', 'True-Client-Ip', 'Cf-Connecting-Ip', 'X-Cluster-Client-Ip', 'X-Client-Ip');
if ($ip === null && ($xff = header_value('X-Forwarded-For')) !== null) {
    $ip = trim(explode(',', $xff)[0]);
}

$pages = ['home' => 'home page', 'public' => 'public page', 'admin' => 'ADMIN PAGE'];
header('Content-Type: application/json');
if (!isset($pages[$route])) {
    http_response_code(404);
}
echo json_encode([
    'route' => $route,
    'page' => $pages[$route] ?? 'not found',
    'method' => $method,
    'link' => $link,
    'ip' => $ip ?? $_SERVER['REMOTE_ADDR'],
]), "\n";
