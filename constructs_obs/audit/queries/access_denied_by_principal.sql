-- name: access_denied_by_principal
-- description: Calls refused with AccessDenied* (Client.AccessDenied* too), Unauthorized* or *UnauthorizedOperation error codes (CIS 4.1), counted by principal.
-- params: start_day, end_day
SELECT
    COALESCE(useridentity.arn, useridentity.principalid, useridentity.invokedby) AS principal,
    useridentity.type AS principal_type,
    COUNT(*) AS denied_calls,
    COUNT(DISTINCT eventname) AS distinct_actions,
    MIN(eventtime) AS first_seen,
    MAX(eventtime) AS last_seen
FROM cloudtrail_logs
WHERE day BETWEEN ? AND ?
    AND (
        errorcode LIKE 'AccessDenied%'
        OR errorcode LIKE 'Client.AccessDenied%'
        OR errorcode LIKE 'Unauthorized%'
        OR errorcode LIKE '%UnauthorizedOperation'
    )
GROUP BY 1, 2
ORDER BY denied_calls DESC, principal, principal_type
