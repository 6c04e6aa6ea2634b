-- name: root_activity
-- description: Actions of the root user (CIS 4.3), leaving out AWS service events and calls an AWS service made on its behalf.
-- params: start_day, end_day
SELECT
    eventtime,
    account,
    awsregion,
    eventsource,
    eventname,
    sourceipaddress,
    useragent,
    errorcode,
    eventid
FROM cloudtrail_logs
WHERE day BETWEEN ? AND ?
    AND useridentity.type = 'Root'
    AND useridentity.invokedby IS NULL
    AND COALESCE(eventtype, '') <> 'AwsServiceEvent'
ORDER BY eventtime, eventid
