-- name: principal_timeline
-- description: Timeline of one principal: calls by an IAM user or role ARN, including every session of a role.
-- params: start_day, end_day, principal_arn
SELECT
    eventtime,
    account,
    awsregion,
    COALESCE(useridentity.arn, useridentity.principalid) AS principal,
    eventsource,
    eventname,
    errorcode,
    sourceipaddress,
    useragent,
    eventid
FROM cloudtrail_logs
WHERE day BETWEEN ? AND ?
    AND ? IN (useridentity.arn, useridentity.sessioncontext.sessionissuer.arn)
ORDER BY eventtime, eventid
