-- name: ip_activity
-- description: Everything requested from one source IP address, by any principal.
-- params: start_day, end_day, source_ip
SELECT
    eventtime,
    account,
    awsregion,
    COALESCE(useridentity.arn, useridentity.principalid, useridentity.invokedby) AS principal,
    eventsource,
    eventname,
    errorcode,
    useragent,
    eventid
FROM cloudtrail_logs
WHERE day BETWEEN ? AND ?
    AND sourceipaddress = ?
ORDER BY eventtime, eventid
