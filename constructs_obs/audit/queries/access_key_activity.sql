-- name: access_key_activity
-- description: Everything done with one access key, in every account and region of the trail.
-- params: start_day, end_day, access_key_id
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
    AND useridentity.accesskeyid = ?
ORDER BY eventtime, eventid
