-- name: trail_tampering
-- description: Attempts to blind the audit: CloudTrail stop/delete/update/selector changes and CloudTrail Lake event data store deletion/stop, AWS Config recorder and channel changes, log group and alarm deletion (CIS 4.5, 4.9).
-- params: start_day, end_day
SELECT
    eventtime,
    account,
    awsregion,
    COALESCE(useridentity.arn, useridentity.principalid, useridentity.invokedby) AS principal,
    eventsource,
    eventname,
    COALESCE(
        json_extract_scalar(requestparameters, '$.name'),
        json_extract_scalar(requestparameters, '$.trailName'),
        json_extract_scalar(requestparameters, '$.eventDataStore'),
        json_extract_scalar(requestparameters, '$.configurationRecorderName'),
        json_extract_scalar(requestparameters, '$.deliveryChannelName'),
        json_extract_scalar(requestparameters, '$.logGroupName')
    ) AS target,
    errorcode,
    sourceipaddress,
    eventid
FROM cloudtrail_logs
WHERE day BETWEEN ? AND ?
    AND (
        (
            eventsource = 'cloudtrail.amazonaws.com'
            AND eventname IN (
                'StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors',
                'PutInsightSelectors', 'DeleteEventDataStore', 'StopEventDataStoreIngestion'
            )
        )
        OR (
            eventsource = 'config.amazonaws.com'
            AND eventname IN (
                'StopConfigurationRecorder', 'DeleteConfigurationRecorder',
                'DeleteDeliveryChannel', 'PutConfigurationRecorder', 'PutDeliveryChannel'
            )
        )
        OR (
            eventsource = 'logs.amazonaws.com'
            AND eventname IN (
                'DeleteLogGroup', 'DeleteLogStream', 'DeleteMetricFilter',
                'DeleteSubscriptionFilter', 'PutRetentionPolicy'
            )
        )
        OR (
            eventsource = 'monitoring.amazonaws.com'
            AND eventname IN ('DeleteAlarms', 'DisableAlarmActions')
        )
    )
ORDER BY eventtime, eventid
